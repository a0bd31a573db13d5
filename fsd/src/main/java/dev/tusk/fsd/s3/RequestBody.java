package dev.tusk.fsd.s3;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A request body as an {@link InputStream} for a worker thread, fed by the event loop. Back-pressure:
 * the channel has autoRead off, and the next socket read is asked for only while less than {@link
 * #HIGH_WATER} bytes wait here, so a 1 GiB upload holds at most about that much (plus one socket
 * read) in memory. Nothing is read from the socket before the worker {@link #start}s reading.
 */
final class RequestBody extends InputStream {
  static final int HIGH_WATER = 1 << 20;
  /** A client that stops sending mid-body is given up on after this long. */
  private static final long IDLE_SECONDS = 120;

  private final Channel channel;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
  private long queued;
  private boolean ended;
  private boolean started;
  private boolean paused;
  private boolean released;
  private IOException failure;

  RequestBody(Channel channel) {
    this.channel = channel;
  }

  // ---- event loop side ----

  /** Takes ownership of {@code content}. */
  void offer(ByteBuf content, boolean last) {
    boolean readMore;
    lock.lock();
    try {
      if (released || content.readableBytes() == 0) {
        content.release();
      } else {
        queue.add(content);
        queued += content.readableBytes();
      }
      ended |= last;
      readMore = started && !ended && queued < HIGH_WATER;
      paused = !readMore && !ended;
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
    if (readMore) {
      channel.read();
    }
  }

  void fail(IOException cause) {
    lock.lock();
    try {
      if (failure == null && !ended) {
        failure = cause;
      }
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
  }

  // ---- worker side ----

  /** Lets bytes flow from the socket: called when the worker is ready for the body. */
  void start() {
    boolean read;
    lock.lock();
    try {
      read = !started && !ended;
      started = true;
    } finally {
      lock.unlock();
    }
    if (read) {
      channel.read();
    }
  }

  /** Whether the whole body has arrived (so the connection can serve another request). */
  boolean ended() {
    lock.lock();
    try {
      return ended && failure == null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] into, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    start();
    boolean resume = false;
    int copied;
    lock.lock();
    try {
      while (queue.isEmpty()) {
        if (failure != null) {
          throw failure;
        }
        if (ended) {
          return -1;
        }
        if (!arrived.await(IDLE_SECONDS, TimeUnit.SECONDS)) {
          throw new IOException("The client sent nothing for " + IDLE_SECONDS + " s mid-body");
        }
      }
      copied = 0;
      while (copied < length && !queue.isEmpty()) {
        ByteBuf head = queue.peek();
        int n = Math.min(length - copied, head.readableBytes());
        head.readBytes(into, offset + copied, n);
        copied += n;
        if (!head.isReadable()) {
          queue.poll().release();
        }
      }
      queued -= copied;
      if (paused && queued < HIGH_WATER / 2) {
        paused = false;
        resume = true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while reading a request body");
    } finally {
      lock.unlock();
    }
    if (resume) {
      channel.read();
    }
    return copied;
  }

  /** Frees what is queued; later arrivals are dropped. */
  @Override
  public void close() {
    lock.lock();
    try {
      released = true;
      for (ByteBuf buf : queue) {
        buf.release();
      }
      queue.clear();
      queued = 0;
    } finally {
      lock.unlock();
    }
  }
}
