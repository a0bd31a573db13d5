package dev.tusk.fsd.grpc;

import dev.tusk.api.ErrorCode;
import dev.tusk.api.TuskException;
import dev.tusk.chunkstore.ChunkIntegrityException;
import dev.tusk.fsd.PfsException;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become gRPC statuses: a {@link PfsException} keeps its {@link
 * ErrorCode} (in the status and a trailer); a bad argument is INVALID_ARGUMENT; a storage failure is
 * UNAVAILABLE, or INTERNAL for an integrity error; anything else is INTERNAL and logged, since it
 * is a bug.
 */
final class ErrorMappingInterceptor implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorMappingInterceptor.class);

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    AtomicBoolean closed = new AtomicBoolean();
    ServerCall.Listener<Q> delegate;
    try {
      delegate = next.startCall(call, headers);
    } catch (RuntimeException e) {
      close(call, e, closed);
      return new ServerCall.Listener<>() {};
    }
    return new SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        guard(() -> super.onMessage(message));
      }

      @Override
      public void onHalfClose() {
        guard(super::onHalfClose);
      }

      @Override
      public void onReady() {
        guard(super::onReady);
      }

      @Override
      public void onCancel() {
        guard(super::onCancel);
      }

      private void guard(Runnable step) {
        try {
          step.run();
        } catch (RuntimeException e) {
          close(call, e, closed);
        }
      }
    };
  }

  private static void close(ServerCall<?, ?> call, RuntimeException e, AtomicBoolean closed) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    StatusRuntimeException status = toStatus(call.getMethodDescriptor().getFullMethodName(), e);
    try {
      call.close(status.getStatus(), status.getTrailers() == null ? new Metadata() : status.getTrailers());
    } catch (IllegalStateException alreadyClosed) {
      LOG.debug("Call {} already closed when it failed: {}", call.getMethodDescriptor(), e.toString());
    }
  }

  static StatusRuntimeException toStatus(String method, Throwable e) {
    if (e instanceof PfsException pfs) {
      if (pfs.code() == ErrorCode.INTERNAL) {
        LOG.error("{} failed: {}", method, pfs.getMessage(), pfs);
      }
      return new TuskException(pfs.code(), pfs.getMessage()).toStatus();
    }
    if (e instanceof TuskException tusk) {
      return tusk.toStatus();
    }
    if (e instanceof StatusRuntimeException status) {
      return status;
    }
    if (e instanceof UncheckedIOException unchecked) {
      return toStatus(method, unchecked.getCause());
    }
    if (e instanceof ChunkIntegrityException integrity) {
      LOG.error("{} failed: {}", method, integrity.getMessage());
      return new TuskException(ErrorCode.INTERNAL, integrity.getMessage()).toStatus();
    }
    if (e instanceof IOException io) {
      LOG.warn("{} failed on storage: {}", method, io.toString());
      return new TuskException(ErrorCode.UNAVAILABLE, "Storage failure: " + io.getMessage()).toStatus();
    }
    if (e instanceof IllegalArgumentException) {
      return new TuskException(ErrorCode.INVALID_ARGUMENT, e.getMessage()).toStatus();
    }
    LOG.error("{} failed", method, e);
    return new TuskException(ErrorCode.INTERNAL, "Internal error: " + e).toStatus();
  }
}
