package dev.tusk.fsd.tree;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tusk.chunkstore.FileContent;
import dev.tusk.chunkstore.FileContentCodec;
import dev.tusk.chunkstore.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Reads and writes the immutable objects of file trees: pages, and the content of files too large
 * to sit in a page. Objects are content-addressed ({@link NodeKeys}), so a read verifies the bytes
 * against the key and decoded objects can be cached without invalidation, in a Caffeine cache
 * weighted by their approximate heap size. Writes go through a {@link Writes} batch, which may run
 * them in parallel on an executor. Thread-safe.
 */
final class NodeStore {
  /** Writes queued at most per batch, so that building a huge tree holds few pages in memory. */
  private static final int MAX_IN_FLIGHT = 32;

  private final ObjectStore objects;
  private final Executor writeExecutor;
  private final Cache<String, Object> cache;

  NodeStore(ObjectStore objects, long cacheBytes, Executor writeExecutor) {
    this.objects = objects;
    this.writeExecutor = writeExecutor;
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(Math.max(0, cacheBytes))
            .weigher((String key, Object value) -> weight(value))
            .executor(Runnable::run) // no background threads; eviction work is tiny
            .build();
  }

  /** The page stored under {@code key}. */
  Node node(String key) throws IOException {
    return (Node) load(key, true);
  }

  /** The file content stored separately under {@code key}. */
  FileContent content(String key) throws IOException {
    return (FileContent) load(key, false);
  }

  /** The content of a file entry, reading it if it is not inline. */
  FileContent content(LeafEntry file) throws IOException {
    return file.content() != null ? file.content() : content(file.contentKey());
  }

  /** Encodes {@code node} and works out its key, without writing it yet. */
  Encoded encode(Node node) {
    byte[] bytes = NodeCodec.encode(node);
    return new Encoded(NodeKeys.keyOf(bytes), bytes, node);
  }

  /** A new batch of writes, for one update of a tree. */
  Writes writes() {
    return new Writes();
  }

  /** A page in binary form with its key. */
  record Encoded(String key, byte[] bytes, Node node) {}

  /**
   * The objects written by one update: each write starts at once (on the executor) and {@link
   * #await} returns when all are durable. New pages go into the cache right away, since the writer
   * is likely to read them next (the next commit on the branch); nothing else can know their keys
   * before the update returns.
   */
  final class Writes {
    private final Deque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
    private IOException failure;

    /** Writes an encoded page unless it exists. */
    void write(Encoded encoded) {
      cache.put(encoded.key(), encoded.node());
      submit(encoded.key(), encoded.bytes());
    }

    /** Stores a large file's content as an object of its own and returns its key. */
    String writeContent(FileContent content) {
      byte[] bytes = FileContentCodec.encode(content);
      String key = NodeKeys.keyOf(bytes);
      cache.put(key, content);
      submit(key, bytes);
      return key;
    }

    /**
     * Waits for every write, then makes them all durable with one barrier; throws the first
     * failure once all have finished.
     */
    void await() throws IOException {
      while (!inFlight.isEmpty()) {
        join(inFlight.removeFirst());
      }
      if (failure != null) {
        throw failure;
      }
      objects.sync();
    }

    private void submit(String key, byte[] bytes) {
      while (inFlight.size() >= MAX_IN_FLIGHT) {
        join(inFlight.removeFirst());
      }
      inFlight.addLast(
          CompletableFuture.runAsync(
              () -> {
                try {
                  // Durable at the barrier in await(): one for the update, not one per page.
                  objects.putIfAbsentUnsynced(key, bytes);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              },
              writeExecutor));
    }

    private void join(CompletableFuture<Void> write) {
      try {
        write.join();
      } catch (CompletionException e) {
        IOException cause =
            e.getCause() instanceof UncheckedIOException io
                ? io.getCause()
                : new IOException("Cannot write a tree object: " + e.getCause(), e.getCause());
        if (failure == null) {
          failure = cause;
        } else {
          failure.addSuppressed(cause);
        }
      }
    }
  }

  private Object load(String key, boolean page) throws IOException {
    try {
      Object value = cache.get(key, k -> read(k, page));
      if (page != value instanceof Node) {
        throw new IOException(
            "Tree object " + key + " is not a " + (page ? "page" : "file content"));
      }
      return value;
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private Object read(String key, boolean page) {
    try {
      byte[] bytes = objects.get(key);
      byte[] expected = NodeKeys.digestOf(key);
      if (!Arrays.equals(NodeKeys.sha256().digest(bytes), expected)) {
        throw new IOException("Corrupt tree object " + key + ": its bytes do not match its key");
      }
      return page ? NodeCodec.decode(key, bytes) : FileContentCodec.decode(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A rough heap size: object headers, strings of 64 hex digits, the names; ChunkIds are shared
   * within a page, so a ref costs little more than its DataRef.
   */
  private static int weight(Object value) {
    if (value instanceof FileContent content) {
      return 200 + 160 * content.refs().size();
    }
    Node node = (Node) value;
    long weight = 64;
    for (PageEntry entry : node.entries()) {
      weight += 160 + 2L * entry.name().length();
      if (entry instanceof LeafEntry leaf && leaf.content() != null) {
        weight += 80 + 48L * leaf.content().refs().size();
      } else {
        weight += 120;
      }
    }
    return (int) Math.min(Integer.MAX_VALUE, weight);
  }
}
