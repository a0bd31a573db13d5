package dev.tusk.chunkstore;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Content-addressed chunks over an {@link ObjectStore}: writes them in parallel with bounded memory,
 * and reads them through a byte-weighted memory cache (and, for remote backends, a disk cache),
 * verifying every chunk that comes from storage against its id.
 *
 * <p>Files go in through {@link #newWriter()} and come out through {@link #reader(FileContent)}.
 * Thread-safe.
 */
public final class ChunkStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkStore.class);

  private final ObjectStore objects;
  private final ChunkStoreConfig config;
  private final ExecutorService io;
  private final Semaphore inFlightBytes;
  private final AsyncLoadingCache<ChunkId, byte[]> memory;
  private final DiskChunkCache disk;
  /** Ids this process wrote or saw stored, so that repeated content skips the backend. */
  private final Cache<ChunkId, Boolean> known;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** A chunk store over {@code objects}, which it closes when it is closed. */
  public ChunkStore(ObjectStore objects, ChunkStoreConfig config) throws IOException {
    this.objects = objects;
    this.config = config;
    this.io = Executors.newFixedThreadPool(config.ioThreads(), namedDaemonThreads("tusk-chunk-io-"));
    this.inFlightBytes = new Semaphore(config.maxInFlightBytes());
    this.disk =
        config.diskCacheDir().isPresent()
            ? new DiskChunkCache(config.diskCacheDir().get(), config.diskCacheBytes())
            : null;
    this.memory =
        Caffeine.newBuilder()
            .maximumWeight(config.memoryCacheBytes())
            .<ChunkId, byte[]>weigher((id, data) -> data.length)
            // Cache maintenance runs inline once the pool is shut down: a load that completes
            // while close() waits for the pool would otherwise log a rejected task.
            .executor(task -> {
              try {
                io.execute(task);
              } catch (RejectedExecutionException e) {
                task.run();
              }
            })
            .buildAsync((id, executor) -> CompletableFuture.supplyAsync(() -> load(id), executor));
    this.known = Caffeine.newBuilder().maximumSize(1 << 20).build();
  }

  /** The object store underneath, for objects that live beside the chunks. */
  public ObjectStore objects() {
    return objects;
  }

  public ChunkStoreConfig config() {
    return config;
  }

  /** A writer for a batch of files; use one per thread. */
  public ContentWriter newWriter() {
    return new ContentWriter(this);
  }

  /** A random-access reader of one file's content. */
  public ContentReader reader(FileContent content) {
    return new ContentReader(this, content);
  }

  /**
   * Stores {@code chunk} under its id, hashing and uploading on the I/O pool. Waits first while too
   * many bytes are already in flight, so a fast producer cannot fill the heap. The array must not be
   * changed afterwards. The chunk is readable once the future completes, durable once a later
   * {@link #sync()} returns.
   */
  public CompletableFuture<ChunkId> write(byte[] chunk) throws IOException {
    checkOpen();
    int length = chunk.length;
    try {
      inFlightBytes.acquire(length);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while waiting to upload a chunk");
    }
    try {
      return CompletableFuture.supplyAsync(() -> store(chunk), io)
          .whenComplete((id, failure) -> inFlightBytes.release(length));
    } catch (RuntimeException e) {
      inFlightBytes.release(length);
      throw e;
    }
  }

  /**
   * A durability barrier: when it returns, every chunk whose {@link #write} future completed before
   * this call began is durable in the backend. {@link ContentWriter#flush()} calls it; record
   * nothing that points at chunks before it returns.
   */
  public void sync() throws IOException {
    checkOpen();
    objects.sync();
  }

  /**
   * The verified bytes of a chunk, from the caches or the backend. The array is shared with the
   * cache: callers must not change it.
   */
  public byte[] read(ChunkId id) throws IOException {
    checkOpen();
    return await(memory.get(id), id);
  }

  /**
   * The result of an asynchronous chunk operation (such as {@link #readOnce}) on {@code what},
   * failing with the backend's own IOException.
   */
  public static <T> T await(CompletableFuture<T> operation, Object what) throws IOException {
    try {
      return operation.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while waiting for chunk " + what);
    } catch (ExecutionException e) {
      throw unwrap(e.getCause(), what);
    }
  }

  /**
   * The verified bytes of a chunk for a reader that passes over them once, such as a download: from
   * the memory cache when it holds them (a heap buffer shared with the cache: never change it), else
   * read on the I/O pool into a buffer that {@code buffers} hands out, and left out of the cache, so
   * that streaming a large file neither evicts what other readers use nor makes a heap array per
   * chunk. With a disk cache (a remote backend) the chunk goes through the caches as in {@link
   * #read}. A failed read may have taken a buffer: the caller frees what it handed out.
   */
  public CompletableFuture<ByteBuffer> readOnce(ChunkId id, IntFunction<ByteBuffer> buffers) {
    checkOpen();
    CompletableFuture<byte[]> cached = memory.getIfPresent(id);
    if (cached != null || disk != null) {
      return (cached != null ? cached : memory.get(id)).thenApply(ByteBuffer::wrap);
    }
    return CompletableFuture.supplyAsync(() -> {
      try {
        ByteBuffer data = objects.get(id.objectKey(), buffers);
        ChunkId actual = ChunkId.of(data);
        if (!actual.equals(id)) {
          throw new ChunkIntegrityException(id, objects.toString(), actual);
        }
        return data;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, io);
  }

  /**
   * The first of {@code ids} that the backend does not hold, if any: for content whose chunks a
   * client stored itself. Asks the backend in parallel, and only about ids this store has not
   * written or seen stored.
   */
  public Optional<ChunkId> firstMissing(Collection<ChunkId> ids) throws IOException {
    checkOpen();
    Map<ChunkId, CompletableFuture<Boolean>> checks = new LinkedHashMap<>();
    for (ChunkId id : ids) {
      if (known.getIfPresent(id) == null && !checks.containsKey(id)) {
        checks.put(id, CompletableFuture.supplyAsync(() -> {
          try {
            return objects.exists(id.objectKey());
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }, io));
      }
    }
    for (Map.Entry<ChunkId, CompletableFuture<Boolean>> check : checks.entrySet()) {
      if (!await(check.getValue(), check.getKey())) {
        return Optional.of(check.getKey());
      }
      known.put(check.getKey(), Boolean.TRUE);
    }
    return Optional.empty();
  }

  /** Starts loading chunks into the memory cache in the background; a read-ahead hook. */
  public void prefetch(Iterable<ChunkId> ids) {
    if (closed.get()) {
      return;
    }
    for (ChunkId id : ids) {
      memory
          .get(id)
          .exceptionally(
              failure -> {
                LOG.debug("Prefetch of chunk {} failed: {}", id, failure.toString());
                return null;
              });
    }
  }

  /** Closes the I/O pool (waiting a bounded time for uploads) and the object store; idempotent. */
  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    io.shutdown();
    try {
      if (!io.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("Chunk I/O did not finish within 30 s; abandoning it");
        io.shutdownNow();
      }
    } catch (InterruptedException e) {
      io.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      objects.close();
    }
  }

  @Override
  public String toString() {
    return "ChunkStore[" + objects + "]";
  }

  private ChunkId store(byte[] chunk) {
    ChunkId id = ChunkId.of(chunk);
    if (known.getIfPresent(id) == null) {
      try {
        // Unsynced: one barrier per flush, not an fsync'd directory per chunk (see sync()).
        objects.putIfAbsentUnsynced(id.objectKey(), chunk);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot store chunk " + id + " in " + objects, e);
      }
      known.put(id, Boolean.TRUE);
    }
    return id;
  }

  private byte[] load(ChunkId id) {
    try {
      byte[] data = disk == null ? null : disk.get(id);
      if (data != null) {
        return data;
      }
      data = objects.get(id.objectKey());
      ChunkId actual = ChunkId.of(data);
      if (!actual.equals(id)) {
        throw new ChunkIntegrityException(id, objects.toString(), actual);
      }
      if (disk != null) {
        disk.put(id, data);
      }
      known.put(id, Boolean.TRUE);
      return data;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  /** The IOException behind an async failure, so callers see the backend's own error type. */
  static IOException unwrap(Throwable failure, Object what) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof UncheckedIOException unchecked) {
      return unchecked.getCause();
    }
    if (cause instanceof IOException io) {
      return io;
    }
    return new IOException("Chunk operation on " + what + " failed: " + cause, cause);
  }

  private static ThreadFactory namedDaemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
