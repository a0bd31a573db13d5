package dev.tusk.bench;

import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ChunkStoreConfig;
import dev.tusk.chunkstore.ContentReader;
import dev.tusk.chunkstore.ContentWriter;
import dev.tusk.chunkstore.FileContent;
import dev.tusk.chunkstore.ObjectStores;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The Tusk half of {@code bench/chunkstore.sh}: ingests and reads back real files through a {@link
 * ChunkStore} over a local object store. Prints {@code key=value} lines on stdout for the script to
 * set beside restic's figures; progress goes to stderr.
 *
 * <pre>
 * IngestBenchmark full STORE_DIR FILE MODIFIED
 *     ingest FILE (durable), ingest MODIFIED, read FILE back twice,
 *     chunk+hash FILE into a discarding store
 * IngestBenchmark ingest STORE_DIR FILE
 *     ingest FILE only (the memory check)
 * IngestBenchmark compare STORE_DIR FILE ROUNDS
 *     ingest FILE into fresh stores with direct I/O and through the page cache, alternately
 * </pre>
 */
public final class IngestBenchmark {
  private static final double MIB = 1 << 20;
  private static final double GIB = 1 << 30;

  private IngestBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 4 && args[0].equals("full")) {
      full(Path.of(args[1]), Path.of(args[2]), Path.of(args[3]));
    } else if (args.length == 3 && args[0].equals("ingest")) {
      ingestOnly(Path.of(args[1]), Path.of(args[2]));
    } else if (args.length == 4 && args[0].equals("compare")) {
      compareDirectIo(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]));
    } else {
      System.err.println(
          "Usage: IngestBenchmark full STORE_DIR FILE MODIFIED | ingest STORE_DIR FILE"
              + " | compare STORE_DIR FILE ROUNDS");
      System.exit(2);
    }
  }

  private static void full(Path dir, Path file, Path modified) throws Exception {
    long size = Files.size(file);
    warmUp();
    ChunkStoreConfig config = ChunkStoreConfig.defaults().withMemoryCacheBytes(2L << 30);
    try (ChunkStore store = new ChunkStore(ObjectStores.open(dir.toUri().toString()), config)) {
      long start = System.nanoTime();
      FileContent content = ingest(store, file);
      double seconds = seconds(start);
      print("tusk.ingest.mibps", size / MIB / seconds);
      print("tusk.ingest.chunks", content.refs().size());

      long before = storedBytes(dir);
      start = System.nanoTime();
      ingest(store, modified);
      print("tusk.rescan.mibps", Files.size(modified) / MIB / seconds(start));
      print("tusk.edit.added.bytes", storedBytes(dir) - before);

      print("tusk.pagecache", dropPageCache());
      for (String pass : new String[] {"first", "cached"}) {
        start = System.nanoTime();
        long read = readAll(store.reader(content));
        seconds = seconds(start);
        if (read != size) {
          throw new IllegalStateException("Read back " + read + " bytes, expected " + size);
        }
        print("tusk.read." + pass + ".gibps", size / GIB / seconds);
      }
    }

    System.gc(); // drop the closed store's cache before the next phase, not during it
    try (ChunkStore store = discardingStore()) {
      long start = System.nanoTime();
      ingest(store, file);
      print("tusk.chunkhash.mibps", size / MIB / seconds(start));
    }
  }

  private static void ingestOnly(Path dir, Path file) throws Exception {
    long size = Files.size(file);
    try (ChunkStore store =
        new ChunkStore(ObjectStores.open(dir.toUri().toString()), ChunkStoreConfig.defaults())) {
      long start = System.nanoTime();
      FileContent content = ingest(store, file);
      print("tusk.ingest.mibps", size / MIB / seconds(start));
      print("tusk.ingest.chunks", content.refs().size());
    }
    print("jvm.heap.max.mib", Runtime.getRuntime().maxMemory() / MIB);
    print("jvm.heap.peak.mib", peakHeapBytes() / MIB);
  }

  /**
   * Durable ingest with direct I/O beside the same ingest through the page cache, alternating so
   * that both see the same machine; each round into fresh stores.
   */
  private static void compareDirectIo(Path dir, Path file, int rounds) throws Exception {
    long size = Files.size(file);
    warmUp();
    for (int round = 1; round <= rounds; round++) {
      for (boolean direct : new boolean[] {true, false}) {
        Path storeDir = dir.resolve((direct ? "direct-" : "buffered-") + round);
        String url = storeDir.toUri() + "?direct_io=" + direct;
        try (ChunkStore store = new ChunkStore(ObjectStores.open(url), ChunkStoreConfig.defaults())) {
          long start = System.nanoTime();
          ingest(store, file);
          print("tusk.ingest." + (direct ? "direct" : "buffered") + "." + round + ".mibps",
              size / MIB / seconds(start));
        }
        deleteTree(storeDir);
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path path : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.delete(path);
      }
    }
  }

  /**
   * Runs the chunk-and-hash path over 256 MiB in memory first, so that the timed phases measure
   * compiled code, as in a long-running daemon, rather than the JIT's first seconds.
   */
  private static void warmUp() throws IOException {
    byte[] data = new byte[256 << 20];
    new SplittableRandom(1).nextBytes(data);
    try (ChunkStore store = discardingStore()) {
      for (int i = 0; i < 2; i++) {
        ContentWriter writer = store.newWriter();
        CompletableFuture<FileContent> content = writer.write(new ByteArrayInputStream(data));
        writer.flush();
        content.join();
      }
    }
  }

  /** Ingests {@code file} and returns once all its chunks are durable. */
  private static FileContent ingest(ChunkStore store, Path file) throws IOException {
    System.err.println("ingesting " + file + " into " + store);
    ContentWriter writer = store.newWriter();
    CompletableFuture<FileContent> content;
    try (InputStream in = Files.newInputStream(file)) {
      content = writer.write(in);
    }
    writer.flush();
    return content.join();
  }

  private static long readAll(ContentReader reader) throws IOException {
    byte[] buffer = new byte[1 << 20];
    long total = 0;
    try (InputStream in = reader.stream()) {
      for (int n; (n = in.read(buffer, 0, buffer.length)) >= 0; ) {
        total += n;
      }
    }
    return total;
  }

  /** Bytes of the chunk objects under {@code dir} (temporary files excluded). */
  private static long storedBytes(Path dir) throws IOException {
    Path chunks = dir.resolve("chunks");
    if (!Files.isDirectory(chunks)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(chunks)) {
      return files
          .filter(Files::isRegularFile)
          .filter(f -> f.getFileName().toString().indexOf('~') < 0)
          .mapToLong(
              f -> {
                try {
                  return Files.size(f);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              })
          .sum();
    }
  }

  /**
   * Syncs and drops the kernel's page cache so that the first read-back comes from disk; needs
   * root, and reports why when it cannot.
   */
  private static String dropPageCache() {
    try {
      Process sync = new ProcessBuilder("sync").inheritIO().start();
      if (sync.waitFor() != 0) {
        return "not-dropped(sync failed)";
      }
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3\n");
      return "dropped";
    } catch (IOException e) {
      return "not-dropped(" + e.getClass().getSimpleName() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "not-dropped(interrupted)";
    }
  }

  private static long peakHeapBytes() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }

  /** Chunking and hashing only: the chunks go nowhere. */
  private static ChunkStore discardingStore() throws IOException {
    return new ChunkStore(new DiscardingObjectStore(), ChunkStoreConfig.defaults());
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static void print(String key, double value) {
    System.out.printf(Locale.ROOT, "%s=%.2f%n", key, value);
    System.out.flush();
  }

  private static void print(String key, String value) {
    System.out.println(key + "=" + value);
    System.out.flush();
  }
}
