package dev.tusk.mount;

import dev.tusk.chunkstore.ContentWriter;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import jnr.ffi.Pointer;

/**
 * Feeds the bytes appended to a file into its chunk stream on another thread, in order: a FUSE
 * write only copies its bytes, and the chunking (finding cuts, copying chunks out) runs beside the
 * next write instead of before its reply. At most {@link #MAX_QUEUED_BYTES} wait; a writer further
 * ahead waits for room. Not thread-safe: the staged file calls it under its lock.
 */
final class ChunkFeed {
  /** 64 FUSE writes of 128 KiB. */
  private static final int MAX_QUEUED_BYTES = 8 << 20;

  private final ContentWriter.FileSink sink;
  private final Executor executor;
  private final Semaphore room = new Semaphore(MAX_QUEUED_BYTES);
  /** The last queued piece; each runs after the one before it. */
  private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
  /** Why a piece could not be chunked; the pieces after it are dropped. */
  private volatile IOException failure;

  ChunkFeed(ContentWriter.FileSink sink, Executor executor) {
    this.sink = sink;
    this.executor = executor;
  }

  /** Queues a copy of the {@code size} bytes at {@code buffer}. */
  void append(Pointer buffer, int size) throws IOException {
    checkFailure();
    byte[] piece = new byte[size];
    buffer.get(0, piece, 0, size);
    room.acquireUninterruptibly(Math.min(size, MAX_QUEUED_BYTES));
    tail = tail.thenRunAsync(() -> feed(piece), executor);
  }

  /** The sink, once every byte queued so far is in it; the caller may then use it directly. */
  ContentWriter.FileSink drained() throws IOException {
    tail.join(); // feed() catches everything, so this never throws
    checkFailure();
    return sink;
  }

  /** Waits for the pieces queued so far, for a stream given up (its file truncated to nothing). */
  void abandon() {
    tail.join();
  }

  private void feed(byte[] piece) {
    try {
      if (failure == null) {
        sink.write(piece, 0, piece.length);
      }
    } catch (IOException e) {
      failure = e;
    } catch (RuntimeException e) {
      failure = new IOException(e.getMessage(), e);
    } finally {
      room.release(Math.min(piece.length, MAX_QUEUED_BYTES));
    }
  }

  private void checkFailure() throws IOException {
    if (failure != null) {
      throw failure;
    }
  }
}
