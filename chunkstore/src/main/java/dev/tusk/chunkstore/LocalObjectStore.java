package dev.tusk.chunkstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Objects as files under a root directory ({@code file:///var/lib/tusk}): the embedded default.
 *
 * <p>A write goes to a temporary sibling, is fsynced, then renamed (or hard-linked, for
 * put-if-absent) into place, and the directory is fsynced: a reader sees the old object or the whole
 * new one, and a crash never leaves a half-written object under its key. Temporary names contain
 * {@code '~'}, which keys cannot, so listings never show them.
 */
final class LocalObjectStore implements ObjectStore {
  private static final char TEMP_MARK = '~';

  private final Path root;
  private final boolean syncDirectories;

  LocalObjectStore(Path root) throws IOException {
    this.root = Files.createDirectories(root);
    // Directory fsync is a POSIX notion; in-memory test filesystems have no directory channels.
    this.syncDirectories = root.getFileSystem() == FileSystems.getDefault();
  }

  @Override
  public void put(String key, byte[] data) throws IOException {
    Path target = resolve(key);
    Path temp = writeTemp(target, data);
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
    syncDirectory(target.getParent());
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) throws IOException {
    Path target = resolve(key);
    if (Files.exists(target)) {
      return false;
    }
    Path temp = writeTemp(target, data);
    try {
      Files.createLink(target, temp); // atomic, and fails if another writer got there first
    } catch (FileAlreadyExistsException e) {
      return false;
    } finally {
      Files.deleteIfExists(temp);
    }
    syncDirectory(target.getParent());
    return true;
  }

  @Override
  public byte[] get(String key) throws IOException {
    return Files.readAllBytes(resolve(key));
  }

  @Override
  public byte[] get(String key, long offset, int length) throws IOException {
    try (FileChannel channel = FileChannel.open(resolve(key), StandardOpenOption.READ)) {
      long available = Math.max(0, channel.size() - offset);
      ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(length, available));
      while (buffer.hasRemaining()) {
        if (channel.read(buffer, offset + buffer.position()) < 0) {
          break;
        }
      }
      return buffer.position() == buffer.capacity()
          ? buffer.array()
          : Arrays.copyOf(buffer.array(), buffer.position());
    }
  }

  @Override
  public boolean exists(String key) {
    return Files.isRegularFile(resolve(key));
  }

  @Override
  public void delete(String key) throws IOException {
    Files.deleteIfExists(resolve(key));
  }

  @Override
  public Stream<String> list(String prefix) throws IOException {
    ObjectKeys.checkPrefix(prefix);
    int slash = prefix.lastIndexOf('/');
    Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
    if (!Files.isDirectory(start)) {
      return Stream.empty();
    }
    return Files.walk(start)
        .filter(Files::isRegularFile)
        .map(this::keyOf)
        .filter(key -> key.indexOf(TEMP_MARK) < 0 && key.startsWith(prefix));
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return root.toUri().toString();
  }

  private Path resolve(String key) {
    return root.resolve(ObjectKeys.check(key));
  }

  private String keyOf(Path file) {
    StringBuilder key = new StringBuilder();
    for (Path part : root.relativize(file)) {
      if (key.length() > 0) {
        key.append('/');
      }
      key.append(part);
    }
    return key.toString();
  }

  private Path writeTemp(Path target, byte[] data) throws IOException {
    Files.createDirectories(target.getParent());
    Path temp = target.resolveSibling(target.getFileName().toString() + TEMP_MARK + UUID.randomUUID());
    try (FileChannel channel =
        FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(data);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(false);
    } catch (IOException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    return temp;
  }

  private void syncDirectory(Path dir) throws IOException {
    if (syncDirectories) {
      try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
        channel.force(true);
      }
    }
  }
}
