package dev.tusk.mount;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Gives every call but uploads a deadline, so a daemon that stops answering makes a FUSE callback
 * fail with EIO instead of hanging the program that called it. Uploads run as long as they send.
 */
final class CallDeadlines implements ClientInterceptor {
  private final Duration timeout;

  CallDeadlines(Duration timeout) {
    this.timeout = timeout;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    if (method.getType() != MethodDescriptor.MethodType.CLIENT_STREAMING && options.getDeadline() == null) {
      options = options.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
    return next.newCall(method, options);
  }
}
