package dev.tusk.cli;

import com.google.protobuf.UnsafeByteOperations;
import dev.tusk.api.FileUpload;
import dev.tusk.api.v1.PutContent;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ContentWriter;
import dev.tusk.chunkstore.DataRef;
import dev.tusk.chunkstore.FileContent;
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
 * <p>Files go in batches, each with a writer of its own; a batch's references leave only after its
 * {@link ContentWriter#flush()}, the store's durability barrier, has returned for the chunks they
 * name, and meanwhile the next batch is chunked. A client that dies before {@link FileUpload#finish()} leaves
 * at most chunks that nothing refers to.
 */
final class DirectUpload implements PutFileCommand.Sender {
  /** Files in one batch: one durability barrier per ~32 MiB of 4 KiB files. */
  private static final int BATCH_FILES = 8_192;
  /** Bytes in one batch. */
  private static final long BATCH_BYTES = 64L << 20;

  private final ChunkStore store;
  private final FileUpload upload;
  /**
   * Makes one batch durable and sends its references while the caller chunks the next, so that
   * hashing overlaps the store's fsyncs; one thread, so batches go out in order and this is the
   * only thread that sends on the upload until {@link #finish()}.
   */
  private final ExecutorService flusher = Executors.newSingleThreadExecutor(runnable -> {
    Thread thread = new Thread(runnable, "tusk-put-flush");
    thread.setDaemon(true);
    return thread;
  });
  /** The batch being sent, if any: at most one waits, which bounds the chunks in memory. */
  private Future<?> sending;
  private ContentWriter writer;
  private List<Pending> pending = new ArrayList<>();
  private long pendingBytes;
  private volatile long bytesRead;

  private record Pending(String destination, CompletableFuture<FileContent> content) {}

  DirectUpload(ChunkStore store, FileUpload upload) {
    this.store = store;
    this.upload = upload;
    this.writer = store.newWriter();
  }

  @Override
  public void put(String destination, Path file, long size) throws IOException {
    CompletableFuture<FileContent> content;
    try (InputStream in = Files.newInputStream(file)) {
      content = writer.write(in);
    }
    pending.add(new Pending(destination, content));
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
    pending.clear();
  }

  /** Hands the current batch to the flusher (after the one before it) and starts a new one. */
  private void sendBatch() throws IOException {
    await();
    if (pending.isEmpty()) {
      return;
    }
    ContentWriter batchWriter = writer;
    List<Pending> batch = pending;
    writer = store.newWriter();
    pending = new ArrayList<>();
    pendingBytes = 0;
    sending = flusher.submit(() -> {
      batchWriter.flush();
      List<PutContent> files = new ArrayList<>(batch.size());
      for (Pending file : batch) {
        files.add(putContent(file.destination(), join(file.content())));
      }
      upload.putContents(files);
      return null;
    });
  }

  /** Waits for the batch being sent; rethrows its failure. */
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
      Throwable cause = e.getCause();
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

  private static PutContent putContent(String path, FileContent content) {
    PutContent.Builder put = PutContent.newBuilder()
        .setPath(path)
        .setHash(content.hash())
        .setSizeBytes(content.size());
    for (DataRef ref : content.refs()) {
      put.addDataBuilder()
          .setChunk(UnsafeByteOperations.unsafeWrap(ref.chunk().digest()))
          .setOffset(ref.offset())
          .setLength(ref.length());
    }
    return put.build();
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
