package dev.tusk.mount;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import jnr.ffi.Pointer;

/**
 * A file being written through the mount. Its bytes live in a local temporary file, which reads
 * through the mount see at once, until the last writer closes it and it is uploaded. Thread-safe.
 */
final class StagedFile {
  private final Path temp;
  private final FileChannel channel;
  private volatile FusePath path;
  private int handles;
  private boolean dirty;
  private boolean deleted;

  private StagedFile(FusePath path, Path temp) throws IOException {
    this.path = path;
    this.temp = temp;
    this.channel = FileChannel.open(temp, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  /** A new staged file in {@code dir} holding {@code initial}'s bytes (none when null). */
  static StagedFile create(FusePath path, Path dir, InputStream initial) throws IOException {
    Path temp = Files.createTempFile(dir, "staged-", "");
    try {
      if (initial != null) {
        try (InputStream in = initial) {
          Files.copy(in, temp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
      StagedFile staged = new StagedFile(path, temp);
      staged.dirty = initial == null;
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

  synchronized boolean isOpen() {
    return handles > 0;
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
    return size;
  }

  synchronized void truncate(long size) throws IOException {
    long current = channel.size();
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

  /** The bytes as they are now, for an upload. */
  InputStream content() throws IOException {
    return Files.newInputStream(temp);
  }

  void discard() throws IOException {
    channel.close();
    Files.deleteIfExists(temp);
  }
}
