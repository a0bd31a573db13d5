package dev.tusk.cli;

import com.google.protobuf.UnsafeByteOperations;
import dev.tusk.api.FileUpload;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Puts files into an upload in the order given, reading small ones ahead on a few threads so that
 * the latency of opening and reading many small files overlaps with sending them. What is read
 * ahead is bounded ({@value #MAX_FILES} files, {@value #MAX_BYTES} bytes) and goes out through
 * {@link FileUpload#putFiles}, many files to a message; a large file is streamed by the caller's
 * thread once everything before it has been sent.
 */
final class ReadAhead implements PutFileCommand.Sender {
  private static final int THREADS = 4;
  private static final int MAX_FILES = 1024;
  private static final long MAX_BYTES = 32L << 20;

  private final FileUpload upload;
  private final ExecutorService readers;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private long pendingBytes;

  private record Pending(String destination, Future<byte[]> data, long size) {}

  ReadAhead(FileUpload upload) {
    this.upload = upload;
    AtomicInteger count = new AtomicInteger();
    this.readers = Executors.newFixedThreadPool(THREADS, runnable -> {
      Thread thread = new Thread(runnable, "tusk-read-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Puts {@code file} (of about {@code size} bytes) at {@code destination}, after all before it. */
  @Override
  public void put(String destination, Path file, long size) throws IOException {
    if (size > FileUpload.MESSAGE_BYTES) {
      drain(0);
      try (InputStream in = Files.newInputStream(file)) {
        upload.put(destination, in, size);
      }
      return;
    }
    pending.add(new Pending(destination, readers.submit(() -> Files.readAllBytes(file)), size));
    pendingBytes += size;
    if (pending.size() >= MAX_FILES || pendingBytes >= MAX_BYTES) {
      drain(MAX_FILES / 2);
    }
  }

  /** Sends everything read ahead; call after the last {@link #put}. */
  @Override
  public void finish() throws IOException {
    drain(0);
  }

  private void drain(int keep) throws IOException {
    List<FileUpload.WholeFile> files = new ArrayList<>(Math.max(0, pending.size() - keep));
    while (pending.size() > keep) {
      Pending next = pending.poll();
      pendingBytes -= next.size();
      byte[] data = Await.result(next.data(), "a file");
      files.add(new FileUpload.WholeFile(next.destination(), UnsafeByteOperations.unsafeWrap(data)));
    }
    upload.putFiles(files);
  }

  @Override
  public long bytesRead() {
    return upload.bytesSent();
  }

  @Override
  public void close() {
    pending.forEach(p -> p.data().cancel(true));
    pending.clear();
    readers.shutdownNow();
  }
}
