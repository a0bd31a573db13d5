package dev.tusk.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.tusk.api.FileUpload;
import dev.tusk.api.TuskClient;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ChunkStoreConfig;
import dev.tusk.chunkstore.ContentReader;
import dev.tusk.chunkstore.ContentWriter;
import dev.tusk.chunkstore.FileContent;
import dev.tusk.chunkstore.ObjectStores;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The in-process half of {@code bench/pfs.sh}: makes test data, drives a running daemon through
 * {@link TuskClient} where the CLI's JVM start would hide what is measured, and measures the chunk
 * store on its own as the baseline for reads. Prints {@code key=value} lines on stdout for the
 * script; progress goes to stderr.
 *
 * <pre>
 * PfsBenchmark free-port
 *     a free TCP port on 127.0.0.1 (for the daemon)
 * PfsBenchmark gen DIR COUNT BYTES SEED
 *     COUNT files f000000.. of BYTES random bytes each (from SEED), written into DIR
 * PfsBenchmark fill ADDRESS REPO DIRS FILES BYTES DIRS_PER_COMMIT STREAMS
 *     puts DIRS x FILES files of BYTES random bytes at /tiny/dNNNN/fNNNN, DIRS_PER_COMMIT
 *     directories per ModifyFile stream (one commit each), STREAMS streams at a time
 * PfsBenchmark commit ADDRESS REPO BASELINE_REPO DATA_DIR WARMUP RUNS PATH...
 *     WARMUP untimed, then RUNS timed one-file commits (a ModifyFile with one put of 16 new bytes)
 *     to each PATH in REPO, interleaved with the same commit to PATH in BASELINE_REPO (an empty
 *     repo); times each and counts the objects it added under DATA_DIR/store/trees and /chunks
 * PfsBenchmark list ADDRESS REPO@REF:/DIR RUNS
 *     lists the directory RUNS times in this JVM: entries/s of the first and the best run
 * PfsBenchmark get ADDRESS REPO@REF:/FILE RUNS
 *     reads the file RUNS times in this JVM: GiB/s of each run
 * PfsBenchmark store STORE_DIR FILE WARM_FILE
 *     ingests FILE and WARM_FILE into a chunk store of its own (defaults, as the daemon's), reads
 *     WARM_FILE back (untimed, to compile the read path), then FILE with ContentReader.stream():
 *     first after dropping the page cache, then again
 * </pre>
 */
public final class PfsBenchmark {
  private static final double MIB = 1 << 20;
  private static final double GIB = 1 << 30;

  /** As large as the daemon accepts, as the CLI sets it. */
  private static final int MAX_MESSAGE_BYTES = 16 << 20;

  private PfsBenchmark() {}

  public static void main(String[] args) throws Exception {
    String command = args.length == 0 ? "" : args[0];
    switch (command) {
      case "free-port" -> freePort();
      case "gen" -> {
        check(args, 5);
        gen(
            Path.of(args[1]),
            Integer.parseInt(args[2]),
            Integer.parseInt(args[3]),
            Long.parseLong(args[4]));
      }
      case "fill" -> {
        check(args, 8);
        fill(
            args[1],
            args[2],
            Integer.parseInt(args[3]),
            Integer.parseInt(args[4]),
            Integer.parseInt(args[5]),
            Integer.parseInt(args[6]),
            Integer.parseInt(args[7]));
      }
      case "commit" -> {
        if (args.length < 8) {
          usage();
        }
        commit(
            args[1],
            args[2],
            args[3],
            Path.of(args[4]),
            Integer.parseInt(args[5]),
            Integer.parseInt(args[6]),
            List.of(args).subList(7, args.length));
      }
      case "list" -> {
        check(args, 4);
        list(args[1], args[2], Integer.parseInt(args[3]));
      }
      case "get" -> {
        check(args, 4);
        get(args[1], args[2], Integer.parseInt(args[3]));
      }
      case "store" -> {
        check(args, 4);
        store(Path.of(args[1]), Path.of(args[2]), Path.of(args[3]));
      }
      default -> usage();
    }
  }

  private static void check(String[] args, int length) {
    if (args.length != length) {
      usage();
    }
  }

  private static void usage() {
    System.err.println(
        "Usage: PfsBenchmark free-port | gen DIR COUNT BYTES SEED"
            + " | fill ADDRESS REPO DIRS FILES BYTES DIRS_PER_COMMIT STREAMS"
            + " | commit ADDRESS REPO BASELINE_REPO DATA_DIR WARMUP RUNS PATH..."
            + " | list ADDRESS REPO@REF:/DIR RUNS | get ADDRESS REPO@REF:/FILE RUNS"
            + " | store STORE_DIR FILE WARM_FILE");
    System.exit(2);
  }

  // ---- data ----

  private static void freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      System.out.println(socket.getLocalPort());
    }
  }

  /** Random files, written by two threads (the disk, not the generator, should be the limit). */
  private static void gen(Path dir, int count, int bytes, long seed) throws Exception {
    Files.createDirectories(dir);
    int threads = 2;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int first = t;
      done.add(
          pool.submit(
              () -> {
                SplittableRandom random = new SplittableRandom(seed * 1000 + first);
                byte[] data = new byte[bytes];
                for (int i = first; i < count; i += threads) {
                  random.nextBytes(data);
                  try {
                    Files.write(
                        dir.resolve(String.format(Locale.ROOT, "f%06d", i)),
                        data,
                        StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
  }

  // ---- through the daemon ----

  private static ManagedChannel channel(String address) {
    int colon = address.lastIndexOf(':');
    return NettyChannelBuilder.forAddress(
            address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
        .usePlaintext()
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .build();
  }

  private static void close(ManagedChannel channel) throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
  }

  /**
   * Many files through TuskClient from memory: DIRS_PER_COMMIT directories per ModifyFile stream,
   * {@code streams} streams at a time (the daemon retries a commit that lost the race for the
   * branch head). Builds the big repo fast, and shows the rate without the CLI's file reading.
   */
  private static void fill(
      String address, String repo, int dirs, int files, int bytes, int dirsPerCommit, int streams)
      throws Exception {
    ManagedChannel channel = channel(address);
    try {
      TuskClient client = new TuskClient(channel);
      ExecutorService pool = Executors.newFixedThreadPool(streams);
      List<Future<?>> done = new ArrayList<>();
      long start = System.nanoTime();
      for (int from = 0; from < dirs; from += dirsPerCommit) {
        int first = from;
        int last = Math.min(dirs, from + dirsPerCommit);
        done.add(
            pool.submit(
                () -> {
                  // Seeded by repo too: the same bytes in another repo would dedup.
                  SplittableRandom random =
                      new SplittableRandom(repo.hashCode() * 1_000_003L + first);
                  try (FileUpload upload =
                      client.modifyFile(repo, "master", "fill " + first + ".." + (last - 1))) {
                    for (int d = first; d < last; d++) {
                      String prefix = String.format(Locale.ROOT, "/tiny/d%04d/f", d);
                      List<FileUpload.WholeFile> directory = new ArrayList<>(files);
                      for (int f = 0; f < files; f++) {
                        byte[] data = new byte[bytes];
                        random.nextBytes(data);
                        directory.add(new FileUpload.WholeFile(
                            prefix + String.format(Locale.ROOT, "%04d", f),
                            UnsafeByteOperations.unsafeWrap(data)));
                      }
                      upload.putFiles(directory);
                    }
                    upload.finish();
                  }
                  System.err.printf(
                      Locale.ROOT,
                      "  filled /tiny/d%04d..d%04d (%.0f s)%n",
                      first,
                      last - 1,
                      seconds(start));
                  return null;
                }));
      }
      try {
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        // Also on failure: the pool's threads would otherwise keep the JVM alive.
        pool.shutdownNow();
      }
      double seconds = seconds(start);
      print("fill.files", (double) dirs * files);
      print("fill.seconds", seconds);
      print("fill.files.per.s", dirs * (double) files / seconds);
    } finally {
      close(channel);
    }
  }

  /**
   * One-file commits to each path in {@code repo} and to the same path in {@code baselineRepo},
   * interleaved so that both see the same noise, after {@code warmUp} untimed rounds: the daemon is
   * long-running, and its first few hundred commits run partly interpreted.
   */
  private static void commit(
      String address,
      String repo,
      String baselineRepo,
      Path dataDir,
      int warmUp,
      int runs,
      List<String> paths)
      throws Exception {
    ManagedChannel channel = channel(address);
    try {
      TuskClient client = new TuskClient(channel);
      Path store = dataDir.resolve("store");
      SplittableRandom random = new SplittableRandom(42);
      for (String path : paths) {
        String label = path.replaceAll("[^A-Za-z0-9]+", "_").replaceAll("^_|_$", "");
        Samples big = new Samples();
        Samples base = new Samples();
        for (int i = 0; i < warmUp + runs; i++) {
          boolean timed = i >= warmUp;
          base.add(oneFileCommit(client, baselineRepo, path, store, random, timed), timed);
          big.add(oneFileCommit(client, repo, path, store, random, timed), timed);
        }
        big.print("commit." + label);
        base.print("commit.baseline." + label);
      }
    } finally {
      close(channel);
    }
  }

  /**
   * Times a ModifyFile with one put: {ms, tree objects, tree bytes, chunk objects, chunk bytes}
   * added (the objects counted only if {@code count}, before and after, outside the timing).
   */
  private static double[] oneFileCommit(
      TuskClient client,
      String repo,
      String path,
      Path store,
      SplittableRandom random,
      boolean count)
      throws IOException {
    byte[] data = new byte[16];
    random.nextBytes(data);
    long[] trees = count ? objects(store.resolve("trees")) : new long[2];
    long[] chunks = count ? objects(store.resolve("chunks")) : new long[2];
    long start = System.nanoTime();
    try (FileUpload upload = client.modifyFile(repo, "master", null)) {
      upload.put(path, ByteString.copyFrom(data));
      upload.finish();
    }
    double ms = (System.nanoTime() - start) / 1e6;
    long[] treesAfter = count ? objects(store.resolve("trees")) : new long[2];
    long[] chunksAfter = count ? objects(store.resolve("chunks")) : new long[2];
    return new double[] {
      ms,
      treesAfter[0] - trees[0],
      treesAfter[1] - trees[1],
      chunksAfter[0] - chunks[0],
      chunksAfter[1] - chunks[1]
    };
  }

  /** The runs of one kind of commit. */
  private static final class Samples {
    private final List<double[]> runs = new ArrayList<>();

    void add(double[] run, boolean timed) {
      if (timed) {
        runs.add(run);
      }
    }

    void print(String prefix) {
      double[] ms = column(0);
      PfsBenchmark.print(prefix + ".ms.median", median(ms));
      PfsBenchmark.print(prefix + ".ms.max", ms[ms.length - 1]);
      PfsBenchmark.print(prefix + ".ms.min", ms[0]);
      PfsBenchmark.print(prefix + ".tree.objects.median", median(column(1)));
      PfsBenchmark.print(prefix + ".tree.objects.max", max(column(1)));
      PfsBenchmark.print(prefix + ".tree.bytes.median", median(column(2)));
      PfsBenchmark.print(prefix + ".tree.bytes.max", max(column(2)));
      PfsBenchmark.print(prefix + ".chunk.objects.median", median(column(3)));
      PfsBenchmark.print(prefix + ".chunk.bytes.median", median(column(4)));
      PfsBenchmark.print(prefix + ".runs", runs.size());
    }

    private double[] column(int i) {
      double[] values = runs.stream().mapToDouble(r -> r[i]).toArray();
      Arrays.sort(values);
      return values;
    }

    private static double median(double[] sorted) {
      int n = sorted.length;
      return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double max(double[] sorted) {
      return sorted[sorted.length - 1];
    }
  }

  /** {files, bytes} of the objects under {@code dir}, temporary files ({@code ~}) excluded. */
  private static long[] objects(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return new long[] {0, 0};
    }
    long[] total = new long[2];
    try (Stream<Path> files = Files.walk(dir)) {
      files
          .filter(f -> f.getFileName().toString().indexOf('~') < 0)
          .forEach(
              f -> {
                try {
                  if (Files.isRegularFile(f)) {
                    total[0]++;
                    total[1] += Files.size(f);
                  }
                } catch (IOException e) {
                  // A temporary file renamed away between the walk and the size: not an object.
                }
              });
    }
    return total;
  }

  /** The in-process listing rate, without the CLI's JVM start or output formatting. */
  private static void list(String address, String dir, int runs) throws Exception {
    ManagedChannel channel = channel(address);
    try {
      TuskClient client = new TuskClient(channel);
      double first = 0;
      double best = 0;
      long entries = 0;
      for (int i = 0; i < runs; i++) {
        long start = System.nanoTime();
        try (Stream<?> listing = client.listFileBatched(dir)) {
          entries = listing.count();
        }
        double rate = entries / seconds(start);
        first = i == 0 ? rate : first;
        best = Math.max(best, rate);
      }
      print("list.entries", entries);
      print("list.first.entries.per.s", first);
      print("list.best.entries.per.s", best);
    } finally {
      close(channel);
    }
  }

  /** A channel that takes every byte and keeps none: /dev/null without the system call. */
  private static final WritableByteChannel DISCARD = new WritableByteChannel() {
    @Override
    public int write(ByteBuffer src) {
      int n = src.remaining();
      src.position(src.limit());
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  };

  /**
   * The in-process read rate of a file through the daemon (to a channel, as the CLI reads), without
   * the CLI's JVM start.
   */
  private static void get(String address, String file, int runs) throws Exception {
    ManagedChannel channel = channel(address);
    try {
      TuskClient client = new TuskClient(channel);
      for (int i = 0; i < runs; i++) {
        long start = System.nanoTime();
        long bytes = client.getFile(file, 0, 0, DISCARD);
        print("get.run" + (i + 1) + ".gibps", bytes / GIB / seconds(start));
      }
    } finally {
      close(channel);
    }
  }

  // ---- the chunk store alone ----

  /**
   * The baseline for reads: the file in a chunk store of its own with the daemon's defaults (so, in
   * a JVM with the daemon's -Xmx, the same memory cache), read back cold and again, after a read of
   * another file has compiled the read path (as the script does for the daemon).
   */
  private static void store(Path dir, Path file, Path warmFile) throws Exception {
    long size = Files.size(file);
    try (ChunkStore store =
        new ChunkStore(ObjectStores.open(dir.toUri().toString()), ChunkStoreConfig.defaults())) {
      long start = System.nanoTime();
      FileContent content = ingest(store, file);
      print("store.ingest.mibps", size / MIB / seconds(start));
      print("store.chunks", content.refs().size());
      print("store.memory.cache.mib", store.config().memoryCacheBytes() / MIB);
      readAll(store.reader(ingest(store, warmFile)));
      for (String pass : new String[] {"first", "second"}) {
        if (pass.equals("first")) {
          print("store.pagecache", dropPageCache());
        }
        start = System.nanoTime();
        long read = readAll(store.reader(content));
        double seconds = seconds(start);
        if (read != size) {
          throw new IllegalStateException("Read back " + read + " bytes, expected " + size);
        }
        print("store.read." + pass + ".gibps", size / GIB / seconds);
      }
    }
  }

  /** Ingests {@code file} and returns once all its chunks are durable. */
  private static FileContent ingest(ChunkStore store, Path file) throws IOException {
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

  /** Syncs and drops the kernel's page cache (needs root); says whether it could. */
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
