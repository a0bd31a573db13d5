package dev.tusk.api;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The responses of a server-streaming call as an iterator, with flow control: at most {@code
 * window} messages are requested ahead of the consumer, so memory stays bounded however long the
 * stream, and a fast consumer never waits for one message at a time. The transport hands messages
 * over in {@code on*} callbacks; the consumer takes them in batches to keep lock traffic low.
 */
final class ResponseIterator<Q, R> implements Iterator<R>, ClientResponseObserver<Q, R> {
  private static final Object END = new Object();

  private final int window;
  private final int refill;
  /** Releases a message that will never be consumed (one holding transport buffers). */
  private final Consumer<? super R> discard;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  /** Filled by the transport; guarded by {@link #lock}. */
  private ArrayDeque<Object> incoming = new ArrayDeque<>();
  /** Owned by the consumer. */
  private ArrayDeque<Object> batch = new ArrayDeque<>();

  private ClientCallStreamObserver<Q> call;
  private Object next;
  private int consumed;
  private boolean done;
  /** Set by {@link #cancel()}; guarded by {@link #lock}. */
  private boolean cancelled;

  ResponseIterator(int window) {
    this(window, r -> {});
  }

  ResponseIterator(int window, Consumer<? super R> discard) {
    this.window = window;
    this.refill = Math.max(1, window / 2);
    this.discard = discard;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
    this.call = requestStream;
    requestStream.disableAutoRequestWithInitial(window);
  }

  @Override
  public void onNext(R value) {
    if (!offer(value)) {
      discard.accept(value);
    }
  }

  @Override
  public void onError(Throwable t) {
    offer(new Failure(t));
  }

  @Override
  public void onCompleted() {
    offer(END);
  }

  /** Queues an item for the consumer; false when the consumer has cancelled and never takes it. */
  private boolean offer(Object item) {
    lock.lock();
    try {
      if (cancelled) {
        return false;
      }
      incoming.add(item);
      if (incoming.size() == 1) {
        arrived.signal();
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean hasNext() {
    if (next != null) {
      return true;
    }
    if (done) {
      return false;
    }
    Object item = take();
    if (item == END) {
      done = true;
      return false;
    }
    if (item instanceof Failure failure) {
      done = true;
      throw failure.toException();
    }
    next = item;
    if (++consumed == refill) {
      consumed = 0;
      call.request(refill);
    }
    return true;
  }

  @Override
  @SuppressWarnings("unchecked")
  public R next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    R value = (R) next;
    next = null;
    return value;
  }

  /** Cancels the call unless it has ended, and discards what was received; idempotent. */
  @SuppressWarnings("unchecked")
  void cancel() {
    if (!done) {
      done = true;
      call.cancel("The client closed the stream", null);
    }
    List<Object> unread = new ArrayList<>();
    lock.lock();
    try {
      cancelled = true;
      unread.addAll(incoming);
      incoming.clear();
    } finally {
      lock.unlock();
    }
    unread.addAll(batch);
    batch.clear();
    if (next != null) {
      unread.add(next);
      next = null;
    }
    for (Object item : unread) {
      if (item != END && !(item instanceof Failure)) {
        discard.accept((R) item);
      }
    }
  }

  private Object take() {
    if (batch.isEmpty()) {
      lock.lock();
      try {
        while (incoming.isEmpty()) {
          arrived.await();
        }
        ArrayDeque<Object> full = incoming;
        incoming = batch;
        batch = full;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        cancel();
        throw new TuskException(ErrorCode.OUTCOME_UNKNOWN, "Interrupted while reading from the daemon", e);
      } finally {
        lock.unlock();
      }
    }
    return batch.poll();
  }

  /** A failure, kept in the queue so that messages before it are still delivered. */
  private record Failure(Throwable cause) {
    TuskException toException() {
      if (cause instanceof StatusRuntimeException status) {
        return TuskException.fromStatus(status);
      }
      Status status = Status.fromThrowable(cause);
      return TuskException.fromStatus(status.asRuntimeException(Status.trailersFromThrowable(cause)));
    }
  }
}
