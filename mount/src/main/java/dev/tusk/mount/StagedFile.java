package dev.tusk.mount;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ContentWriter;
import dev.tusk.chunkstore.FileContent;
import jnr.ffi.Pointer;

/**
 * A file being written through the mount. Its bytes live in a local temporary file, which reads
 * through the mount see at once, until it is closed and uploaded. While it is written front to
 * back, as {@code cp} and most programs write, its bytes are also chunked into the store as they
 * come, so that closing it only sends their references to the daemon. Thread-safe.
 */
final class StagedFile {
  private final Path temp;
  private final FileChannel channel;
  private volatile FusePath path;
  private int handles;
  private boolean dirty;
  private boolean deleted;
  /** Chunks the bytes written so far, while every write has appended; else null. */
  private ContentWriter streamWriter;
  private ContentWriter.FileSink stream;
  private long streamed;

  private StagedFile(FusePath path, Path temp) throws IOException {
    this.path = path;
    this.temp = temp;
    this.channel = FileChannel.open(temp, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  /**
   * A new staged file in {@code dir} holding {@code initial}'s bytes; an empty one (null) chunks
   * its writes into {@code chunks} as they come.
   */
  static StagedFile create(FusePath path, Path dir, InputStream initial, ChunkStore chunks) throws IOException {
    Path temp = Files.createTempFile(dir, "staged-", "");
    try {
      if (initial != null) {
        try (InputStream in = initial) {
          Files.copy(in, temp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
      StagedFile staged = new StagedFile(path, temp);
      staged.dirty = initial == null;
      if (initial == null) {
        staged.streamWriter = chunks.newWriter();
        staged.stream = staged.streamWriter.begin();
      }
      return staged;
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  FusePath path() {
    return path;
  }

  void moveTo(FusePath newPath) {
    path = newPath;
  }

  synchronized void opened() {
    handles++;
  }

  /** One handle fewer; true when it was the last. */
  synchronized boolean released() {
    return --handles == 0;
  }

  synchronized long size() throws IOException {
    return channel.size();
  }

  synchronized int read(Pointer buffer, int size, long offset) throws IOException {
    ByteBuffer into = ByteBuffer.allocate(size);
    int total = 0;
    while (into.hasRemaining()) {
      int n = channel.read(into, offset + total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    buffer.put(0, into.array(), 0, total);
    return total;
  }

  synchronized int write(Pointer buffer, int size, long offset) throws IOException {
    byte[] bytes = new byte[size];
    buffer.get(0, bytes, 0, size);
    ByteBuffer from = ByteBuffer.wrap(bytes);
    while (from.hasRemaining()) {
      channel.write(from, offset + from.position());
    }
    dirty = true;
    if (stream != null) {
      if (offset == streamed) {
        stream.write(bytes, 0, size);
        streamed += size;
      } else {
        stopStreaming();
      }
    }
    return size;
  }

  synchronized void truncate(long size) throws IOException {
    long current = channel.size();
    if (size != current) {
      stopStreaming();
    }
    if (size < current) {
      channel.truncate(size);
    } else if (size > current) {
      channel.write(ByteBuffer.allocate(1), size - 1); // a sparse extension, zeros as POSIX says
    }
    dirty = true;
  }

  /** Whether there are changes not yet uploaded; clears the mark, as the caller uploads them. */
  synchronized boolean takeDirty() {
    boolean was = dirty && !deleted;
    dirty = false;
    return was;
  }

  synchronized void markDirty() {
    dirty = true;
  }

  synchronized void delete() {
    deleted = true;
  }

  /**
   * The content of the whole file as durable chunks, when it was written front to back; else null,
   * and the caller uploads {@link #content()}. Either way, later writes are no longer streamed.
   */
  synchronized FileContent finishStreaming() throws IOException {
    if (stream == null || streamed != channel.size()) {
      stopStreaming();
      return null;
    }
    CompletableFuture<FileContent> content = stream.finish();
    streamWriter.flush(); // seals a small file's pack chunk, which completes its content
    stopStreaming();
    return content.join();
  }

  /** Drops the chunks streamed so far; unreferenced, they cost only space. */
  private void stopStreaming() {
    stream = null;
    streamWriter = null;
  }

  /** The bytes as they are now, for an upload. */
  InputStream content() throws IOException {
    return Files.newInputStream(temp);
  }

  void discard() throws IOException {
    channel.close();
    Files.deleteIfExists(temp);
  }
}
