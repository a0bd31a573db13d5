package dev.tusk.api;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * A channel whose next call plays a script: the responses, then a status. Responses go out only as
 * the client requests them, through the call's executor, as a transport would deliver them.
 */
final class FakeChannel extends Channel {
  private FakeCall next;

  /** The call that the next RPC gets. */
  FakeCall script(List<Object> responses, Status status, Metadata trailers) {
    next = new FakeCall(responses, status, trailers);
    return next;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
    FakeCall call = next;
    next = null;
    call.executor = options.getExecutor() == null ? Runnable::run : options.getExecutor();
    return (ClientCall<Q, R>) call;
  }

  @Override
  public String authority() {
    return "fake:1650";
  }

  /** One scripted call; its fields are read by tests. */
  static final class FakeCall extends ClientCall<Object, Object> {
    final List<Object> sent = new ArrayList<>();
    final List<Integer> requests = new ArrayList<>();
    volatile boolean ready = true;
    volatile boolean cancelled;
    volatile boolean halfClosed;
    private final List<Object> responses;
    private final Status status;
    private final Metadata trailers;
    private Executor executor;
    private Listener<Object> listener;
    private int requested;
    private int delivered;
    private boolean closed;

    private FakeCall(List<Object> responses, Status status, Metadata trailers) {
      this.responses = responses;
      this.status = status;
      this.trailers = trailers;
    }

    /** The client may send again: what a transport does when its buffer drains. */
    void becomeReady() {
      ready = true;
      executor.execute(listener::onReady);
    }

    /** Delivered messages minus consumed ones is what the test bounds; this is what was asked. */
    synchronized int totalRequested() {
      return requests.stream().mapToInt(Integer::intValue).sum();
    }

    @Override
    public void start(Listener<Object> listener, Metadata headers) {
      this.listener = listener;
    }

    @Override
    public synchronized void request(int n) {
      requests.add(n);
      requested += n;
      deliver();
    }

    @Override
    public void cancel(String message, Throwable cause) {
      cancelled = true;
    }

    @Override
    public synchronized void halfClose() {
      halfClosed = true;
      deliver();
    }

    @Override
    public synchronized void sendMessage(Object message) {
      sent.add(message);
    }

    @Override
    public boolean isReady() {
      return ready;
    }

    /** Sends what has been requested; closes once the client is done sending and all is sent. */
    private void deliver() {
      if (!halfClosed || closed) {
        return;
      }
      while (delivered < responses.size() && delivered < requested) {
        Object response = responses.get(delivered++);
        executor.execute(() -> listener.onMessage(response));
      }
      if (delivered == responses.size()) {
        closed = true;
        executor.execute(() -> listener.onClose(status, trailers));
      }
    }
  }
}
