package dev.tusk.cli;

import dev.tusk.api.FileUpload;
import dev.tusk.api.v1.PutContent;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ContentWriter;
import dev.tusk.chunkstore.FileContent;
import dev.tusk.mount.ContentRefs;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Puts local files by chunking them here, into the daemon's own chunk store, and sending the daemon
 * only their references ({@code PutContents}, thousands to a message): no file bytes travel over
 * gRPC, and small files are packed into shared chunks by the {@link ContentWriter} as the daemon
 * would pack them, so the content hashes are the same as for a streamed put.
 *
 * <p>Files are read, chunked and hashed on {@value #LANES} threads, each with its own writer (so
 * packing differs from a one-writer put; no hash depends on packing), and go in batches: a batch's
 * references leave only after {@link ContentWriter#flush()}, the store's durability barrier, has
 * returned for the chunks they name, and meanwhile the next batch is chunked. A client that dies
 * before {@link FileUpload#finish()} leaves at most chunks that nothing refers to.
 */
final class DirectUpload implements PutFileCommand.Sender {
  /** Files in one batch: one durability barrier per ~32 MiB of 4 KiB files. */
  private static final int BATCH_FILES = 8_192;
  /** Bytes in one batch. */
  private static final long BATCH_BYTES = 64L << 20;
  /** Threads that read, chunk and hash files: reading and hashing small files is the client's work. */
  private static final int LANES = 2;
  /** Files up to this size are read with one call into a buffer of the lane's (see Lane#write). */
  private static final int SMALL_FILE_BYTES = 256 << 10;

  private final ChunkStore store;
  private final FileUpload upload;
  private final Lane[] lanes = new Lane[LANES];
  /**
   * Makes one batch durable and sends its references while the lanes chunk the next, so that
   * hashing overlaps the store's fsyncs; one thread, so batches go out in order and this is the
   * only thread that sends on the upload until {@link #finish()}.
   */
  private final ExecutorService flusher = thread("tusk-put-flush");
  /** The batch being sent, if any: at most one waits, which bounds what is queued. */
  private Future<?> sending;
  private List<Pending> pending = new ArrayList<>();
  private long pendingBytes;
  private long files;
  private volatile long bytesRead;

  private record Pending(String destination, Future<CompletableFuture<FileContent>> content) {}

  /**
   * One thread with a writer of its own (a writer is not thread-safe), taking files in order.
   * Its writer is replaced at each batch's end, and the old one flushed by the flusher.
   */
  private final class Lane {
    private final ExecutorService thread;
    private ContentWriter writer = store.newWriter();
    /** One small file's bytes at a time, and one byte more (see {@link #write}). */
    private final byte[] small = new byte[SMALL_FILE_BYTES + 1];

    Lane(int number) {
      thread = thread("tusk-put-chunk-" + number);
    }

    /**
     * Chunks {@code file}, which was {@code size} bytes when listed. A small file is read with one
     * call asking for a byte more than its size: getting exactly its size back is its end (a short
     * read of a regular file), so the read that would only return end-of-file is saved. Any other
     * count (the file changed meanwhile, or a filesystem that reads short) reads on to the end.
     */
    Future<CompletableFuture<FileContent>> write(Path file, long size) {
      return thread.submit(() -> {
        try (InputStream in = Files.newInputStream(file)) {
          if (size > SMALL_FILE_BYTES) {
            return writer.write(in);
          }
          ContentWriter.FileSink sink = writer.begin();
          int read = in.read(small, 0, (int) size + 1);
          if (read > 0) {
            sink.write(small, 0, read);
            if (read != size) {
              sink.transferFrom(in);
            }
          }
          return sink.finish();
        }
      });
    }

    /** The writer of the batch so far; later files go to a new one. */
    Future<ContentWriter> endBatch() {
      return thread.submit(() -> {
        ContentWriter done = writer;
        writer = store.newWriter();
        return done;
      });
    }
  }

  DirectUpload(ChunkStore store, FileUpload upload) {
    this.store = store;
    this.upload = upload;
    for (int i = 0; i < LANES; i++) {
      lanes[i] = new Lane(i + 1);
    }
  }

  @Override
  public void put(String destination, Path file, long size) throws IOException {
    pending.add(new Pending(destination, lanes[(int) (files++ % LANES)].write(file, size)));
    pendingBytes += size;
    bytesRead += size;
    if (pending.size() >= BATCH_FILES || pendingBytes >= BATCH_BYTES) {
      sendBatch();
    }
  }

  /** Sends every batch and waits until the daemon has them all queued in the upload. */
  @Override
  public void finish() throws IOException {
    sendBatch();
    await();
  }

  @Override
  public long bytesRead() {
    return bytesRead + upload.bytesSent();
  }

  /** Drops what was not sent: its chunks stay unreferenced, and nothing of it is applied. */
  @Override
  public void close() {
    if (sending != null) {
      sending.cancel(true);
    }
    flusher.shutdownNow();
    for (Lane lane : lanes) {
      lane.thread.shutdownNow();
    }
    pending.clear();
  }

  /** Hands the current batch to the flusher (after the one before it) and starts a new one. */
  private void sendBatch() throws IOException {
    await();
    if (pending.isEmpty()) {
      return;
    }
    List<Future<ContentWriter>> writers = new ArrayList<>(LANES);
    for (Lane lane : lanes) {
      writers.add(lane.endBatch());
    }
    List<Pending> batch = pending;
    pending = new ArrayList<>();
    pendingBytes = 0;
    sending = flusher.submit(() -> {
      for (Future<ContentWriter> writer : writers) {
        writer.get().flush();
      }
      List<PutContent> puts = new ArrayList<>(batch.size());
      ContentRefs.Encoder refs = new ContentRefs.Encoder();
      for (Pending file : batch) {
        puts.add(refs.putContent(file.destination(), join(file.content().get())));
      }
      upload.putContents(puts);
      return null;
    });
  }

  /** Waits for the batch being sent; rethrows its failure (a file's, in the order put). */
  private void await() throws IOException {
    if (sending == null) {
      return;
    }
    try {
      sending.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while storing chunks");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() instanceof ExecutionException inner ? inner.getCause() : e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IOException(cause);
    } finally {
      sending = null;
    }
  }

  private static ExecutorService thread(String name) {
    return Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    });
  }

  /** After a flush every future is complete; a failed chunk write failed the flush already. */
  private static FileContent join(CompletableFuture<FileContent> content) throws IOException {
    try {
      return content.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
  }
}
