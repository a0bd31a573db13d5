package dev.tusk.fsd.tree;

import dev.tusk.chunkstore.ObjectStores;
import dev.tusk.fsd.tree.TreeChange.PutFile;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * Builds a 1,100,000-file tree (1,000 directories of 1,000 files, plus one directory of 100,000) in
 * a local object store with real fsync, then measures one-file commits and the listing of the large
 * directory. Not a test: run it with a bounded heap, e.g.
 *
 * <pre>
 * java -Xmx1g -cp ... dev.tusk.fsd.tree.TreeBenchmark [dirs] [filesPerDir] [bigDirFiles]
 * </pre>
 *
 * and it prints one figure per line. One-file commits are timed with serial writes and with writes
 * in parallel on a pool of {@value #WRITE_THREADS} threads. The store lives in a temporary
 * directory removed at the end.
 */
public final class TreeBenchmark {
  private static final int RUNS = 20;
  private static final long CACHE_BYTES = 128L << 20;
  private static final int WRITE_THREADS = 8;

  private TreeBenchmark() {}

  public static void main(String[] args) throws IOException {
    int dirs = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int filesPerDir = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    int bigDirFiles = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
    Path dir = Files.createTempDirectory("tusk-tree-bench");
    try (CountingObjectStore objects =
        new CountingObjectStore(ObjectStores.open(dir.toUri().toString()))) {
      ExecutorService writePool = Executors.newFixedThreadPool(WRITE_THREADS);
      TreeStore serial = new TreeStore(objects, CACHE_BYTES);
      TreeStore parallel = new TreeStore(objects, CACHE_BYTES, writePool);
      TreeStore trees = serial;

      long start = System.nanoTime();
      TreeRef root = TreeRef.EMPTY;
      int dirsPerBatch = Math.max(1, 100_000 / filesPerDir);
      for (int d = 0; d < dirs; d += dirsPerBatch) {
        List<TreeChange> batch = new ArrayList<>();
        for (int dd = d; dd < Math.min(dirs, d + dirsPerBatch); dd++) {
          for (int f = 0; f < filesPerDir; f++) {
            batch.add(new PutFile("/dir" + dd + "/file" + f, content("d" + dd, f, 0)));
          }
        }
        root = trees.apply(root, batch);
      }
      List<TreeChange> big = new ArrayList<>(bigDirFiles);
      for (int f = 0; f < bigDirFiles; f++) {
        big.add(new PutFile("/big/file" + f, content("big", f, 0)));
      }
      root = trees.apply(root, big);
      big = null;
      double buildSeconds = (System.nanoTime() - start) / 1e9;
      print("build.files", root.fileCount());
      print("build.seconds", buildSeconds);
      print("build.objects", objects.created.get());
      print("build.bytes", objects.createdBytes.get());
      print("build.files_per_second", root.fileCount() / buildSeconds);

      Random random = new Random(42);
      for (String where :
          List.of("small_dir", "big_dir", "small_dir.parallel", "big_dir.parallel")) {
        TreeStore writer = where.endsWith("parallel") ? parallel : serial;
        long[] nanos = new long[RUNS];
        long[] created = new long[RUNS];
        long[] bytes = new long[RUNS];
        for (int run = 0; run < RUNS; run++) {
          String path =
              where.startsWith("big_dir")
                  ? "/big/file" + random.nextInt(bigDirFiles)
                  : "/dir" + random.nextInt(dirs) + "/file" + random.nextInt(filesPerDir);
          objects.reset();
          long t0 = System.nanoTime();
          root = writer.apply(root, List.of(new PutFile(path, content("run", run, 1))));
          nanos[run] = System.nanoTime() - t0;
          created[run] = objects.created.get();
          bytes[run] = objects.createdBytes.get();
        }
        print("commit_one_file." + where + ".median_ms", median(nanos) / 1e6);
        print("commit_one_file." + where + ".max_ms", Arrays.stream(nanos).max().orElse(0) / 1e6);
        print("commit_one_file." + where + ".median_new_objects", median(created));
        print("commit_one_file." + where + ".median_new_bytes", median(bytes));
      }

      TreeRef before = root;
      TreeRef after = trees.apply(root, List.of(new PutFile("/dir7/file7", content("diff", 7, 2))));
      TreeStore cold = new TreeStore(objects, CACHE_BYTES);
      objects.reset();
      long t0 = System.nanoTime();
      long diffs = cold.diff(before, after, "/").count();
      print("diff_one_file.cold_ms", (System.nanoTime() - t0) / 1e6);
      print("diff_one_file.diffs", diffs);
      print("diff_one_file.objects_read", objects.gets.get());

      for (String cache : List.of("cold", "warm")) {
        objects.reset();
        t0 = System.nanoTime();
        long listed = cold.list(root, "/big").count();
        double seconds = (System.nanoTime() - t0) / 1e9;
        print("list_big_dir." + cache + ".entries", listed);
        print("list_big_dir." + cache + ".entries_per_second", listed / seconds);
        print("list_big_dir." + cache + ".objects_read", objects.gets.get());
      }
      TreeStore coldWalk = new TreeStore(objects, CACHE_BYTES);
      t0 = System.nanoTime();
      long walked = coldWalk.walk(root, "/").count();
      double walkSeconds = (System.nanoTime() - t0) / 1e9;
      print("walk_all.cold.entries", walked);
      print("walk_all.cold.entries_per_second", walked / walkSeconds);

      System.gc();
      print("heap.max_mb", Runtime.getRuntime().maxMemory() >> 20);
      print(
          "heap.used_after_gc_mb",
          (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
      print("heap.peak_mb", peakHeap() >> 20);
      writePool.shutdown();
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  /** A 1000-byte file, packed with its directory's other files into one chunk. */
  private static dev.tusk.chunkstore.FileContent content(String pack, int file, int version) {
    return Contents.packed(
        pack + "/" + file + "/v" + version, 1000, pack + "/v" + version, file * 1000);
  }

  private static long peakHeap() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }

  private static double median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted.length % 2 == 1
        ? sorted[sorted.length / 2]
        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2.0;
  }

  private static void print(String name, double value) {
    System.out.println(
        name
            + " "
            + (value == Math.rint(value)
                ? String.valueOf((long) value)
                : String.format("%.2f", value)));
  }
}
