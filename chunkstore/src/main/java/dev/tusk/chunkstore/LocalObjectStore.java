package dev.tusk.chunkstore;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * Objects as files under a root directory ({@code file:///var/lib/tusk}): the embedded default.
 *
 * <p>A write goes to a temporary sibling, is fsynced, then renamed (or hard-linked, for
 * put-if-absent) into place, and the directory is fsynced: a reader sees the old object or the whole
 * new one, and a crash never leaves a half-written object under its key. Temporary names contain
 * {@code '~'}, which keys cannot, so listings never show them.
 *
 * <p>{@link #putIfAbsentUnsynced} (chunks, ~2000 per GiB) does the same but leaves the directory
 * fsync to the next {@link #sync()}, which fsyncs each directory changed since the last barrier
 * once: the file's own fsync still comes before its link, so an object is never visible without
 * all its bytes, and a crash before the barrier can only lose the entry, which nothing durable
 * points at yet. The barrier fsyncs the directories in parallel: ext4 folds concurrent fsyncs
 * into one journal commit, where one after the other each waits for its own (0.14-0.76 s for the
 * 256 fan-out directories of a 1 GiB ingest, against 0.02-0.05 s in parallel).
 */
final class LocalObjectStore implements ObjectStore {
  /** In temporary files' names; keys cannot contain it. */
  static final char TEMP_MARK = '~';
  private static final int SYNC_THREADS = 16;

  /** Flushes a directory's entries to disk; a seam so that tests can see which and when. */
  interface DirectorySync {
    void sync(Path dir) throws IOException;
  }

  private final Path root;
  private final DurableFileWriter files;
  private final DirectorySync directorySync;
  /** Directories with entries that the next {@link #sync()} must make durable. */
  private final Set<Path> unsyncedDirectories = ConcurrentHashMap.newKeySet();
  /**
   * Held shared from marking a directory unsynced until the link is made, and exclusively while a
   * barrier takes the set: so a barrier that misses a directory began before its link existed, and
   * no caller can have seen that link before the barrier began.
   */
  private final ReentrantReadWriteLock linking = new ReentrantReadWriteLock();
  /** One barrier at a time: a barrier returns only after any earlier one's fsyncs are done. */
  private final Lock barrier = new ReentrantLock();
  /** Runs a barrier's directory fsyncs; its threads exit when idle. */
  private final ThreadPoolExecutor syncPool;

  /**
   * @param directIo whether to write files with direct I/O where the filesystem allows it (see
   *     {@link DurableFileWriter})
   */
  LocalObjectStore(Path root, boolean directIo) throws IOException {
    this(
        root,
        directIo,
        // Directory fsync is a POSIX notion; in-memory test filesystems have no directory channels.
        root.getFileSystem() == FileSystems.getDefault() ? LocalObjectStore::fsyncDirectory : dir -> {});
  }

  LocalObjectStore(Path root, boolean directIo, DirectorySync directorySync) throws IOException {
    this.root = Files.createDirectories(root);
    this.files = new DurableFileWriter(this.root, directIo);
    this.directorySync = directorySync;
    AtomicInteger threads = new AtomicInteger();
    this.syncPool =
        new ThreadPoolExecutor(
            SYNC_THREADS,
            SYNC_THREADS,
            10,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            runnable -> {
              Thread thread = new Thread(runnable, "tusk-local-sync-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    syncPool.allowCoreThreadTimeOut(true);
  }

  @Override
  public void put(String key, byte[] data) throws IOException {
    Path target = resolve(key);
    syncAll(createDirectories(target.getParent()));
    Path temp = writeTemp(target, data);
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
    directorySync.sync(target.getParent());
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) throws IOException {
    Path target = resolve(key);
    if (Files.exists(target)) {
      return false;
    }
    syncAll(createDirectories(target.getParent()));
    Path temp = writeTemp(target, data);
    try {
      Files.createLink(target, temp); // atomic, and fails if another writer got there first
    } catch (FileAlreadyExistsException e) {
      return false;
    } finally {
      Files.deleteIfExists(temp);
    }
    directorySync.sync(target.getParent());
    return true;
  }

  @Override
  public boolean putIfAbsentUnsynced(String key, byte[] data) throws IOException {
    Path target = resolve(key);
    Path dir = target.getParent();
    Path temp = null;
    if (!Files.exists(target)) {
      if (!Files.isDirectory(dir)) {
        linking.readLock().lock();
        try {
          unsyncedDirectories.addAll(createDirectories(dir));
        } finally {
          linking.readLock().unlock();
        }
      }
      temp = writeTemp(target, data);
    }
    linking.readLock().lock();
    try {
      // Marked even when the object was already there: it may be another writer's unsynced link.
      unsyncedDirectories.add(dir);
      if (temp == null) {
        return false;
      }
      Files.createLink(target, temp);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } finally {
      linking.readLock().unlock();
      if (temp != null) {
        Files.deleteIfExists(temp);
      }
    }
  }

  @Override
  public void sync() throws IOException {
    barrier.lock();
    try {
      List<Path> dirs;
      linking.writeLock().lock();
      try {
        dirs = new ArrayList<>(unsyncedDirectories);
        unsyncedDirectories.clear();
      } finally {
        linking.writeLock().unlock();
      }
      syncInParallel(dirs);
    } finally {
      barrier.unlock();
    }
  }

  /** Fsyncs every directory; those that failed or never ran stay for the next barrier to retry. */
  private void syncInParallel(List<Path> dirs) throws IOException {
    List<Future<?>> syncs = new ArrayList<>(dirs.size());
    try {
      for (Path dir : dirs) {
        syncs.add(
            syncPool.submit(
                () -> {
                  directorySync.sync(dir);
                  return null;
                }));
      }
    } catch (RuntimeException e) { // rejected: the store is closed
      syncs.forEach(sync -> sync.cancel(false));
      unsyncedDirectories.addAll(dirs);
      throw new IOException("Cannot sync " + this + ": " + e.getMessage(), e);
    }
    IOException failure = null;
    for (int i = 0; i < syncs.size(); i++) {
      try {
        syncs.get(i).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        unsyncedDirectories.addAll(dirs.subList(i, dirs.size()));
        throw new InterruptedIOException("Interrupted while syncing " + this);
      } catch (ExecutionException e) {
        unsyncedDirectories.add(dirs.get(i));
        if (failure == null) {
          failure = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public byte[] get(String key) throws IOException {
    return Files.readAllBytes(resolve(key));
  }

  @Override
  public ByteBuffer get(String key, IntFunction<ByteBuffer> buffers) throws IOException {
    try (FileChannel channel = FileChannel.open(resolve(key), StandardOpenOption.READ)) {
      long size = channel.size();
      if (size > Integer.MAX_VALUE) {
        throw new IOException("Object " + key + " has " + size + " bytes, too many to read at once");
      }
      ByteBuffer buffer = buffers.apply((int) size);
      while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
        // a direct buffer fills straight from the page cache, with no array in between
      }
      if (buffer.hasRemaining()) {
        throw new IOException("Object " + key + " ended at byte " + buffer.position() + " of " + size);
      }
      return buffer.flip();
    }
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
  public void close() {
    syncPool.shutdownNow(); // only barriers submit to it, and a closed store has none running
  }

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

  /**
   * Creates {@code dir} and its missing ancestors, and returns the directories whose entries that
   * changed: the parents of those it created, which must be fsynced too.
   */
  private static List<Path> createDirectories(Path dir) throws IOException {
    List<Path> changed = new ArrayList<>();
    for (Path missing = dir; missing != null && !Files.isDirectory(missing); missing = missing.getParent()) {
      changed.add(missing.getParent());
    }
    if (!changed.isEmpty()) {
      Files.createDirectories(dir);
    }
    return changed;
  }

  private void syncAll(List<Path> dirs) throws IOException {
    for (Path dir : dirs) {
      directorySync.sync(dir);
    }
  }

  private Path writeTemp(Path target, byte[] data) throws IOException {
    Path temp = target.resolveSibling(target.getFileName().toString() + TEMP_MARK + UUID.randomUUID());
    files.write(temp, data);
    return temp;
  }

  private static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
