package dev.tusk.bench;

import dev.tusk.chunkstore.ChunkId;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ChunkStoreConfig;
import dev.tusk.chunkstore.Chunker;
import dev.tusk.chunkstore.ContentWriter;
import dev.tusk.chunkstore.FileContent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Throughput of the ingest hot path over a 256 MiB random buffer: content-defined chunking alone,
 * SHA-256 chunk ids alone, and both together through the real {@link ContentWriter} pipeline over a
 * store that discards puts. Each invocation processes the whole buffer and counts as {@value #MIB}
 * operations, so JMH's ops/s are MiB/s.
 *
 * <p>Two baselines run beside them: copying the buffer (memory bandwidth) and one SHA-256 over the
 * whole buffer (the hash's own speed, without per-chunk overhead). {@link #main} runs them all and
 * prints one figure a line; {@code org.openjdk.jmh.Main ChunkingBenchmark} works too.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class ChunkingBenchmark {
  /** Buffer size in MiB, and so the operations per invocation. */
  static final int MIB = 256;

  private byte[] data;
  private byte[] copy;
  /** Chunk boundaries of {@link #data}: chunk i is [cuts[i], cuts[i + 1]). */
  private int[] cuts;
  private ChunkStore store;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    data = new byte[MIB << 20];
    new SplittableRandom(0x7475736bL).nextBytes(data);
    copy = new byte[data.length];
    int[] found = new int[data.length / Chunker.DEFAULT.minSize() + 2];
    int n = 0;
    for (int at = 0; at < data.length; at += Chunker.DEFAULT.cut(data, at, data.length - at)) {
      found[n++] = at;
    }
    found[n++] = data.length;
    cuts = Arrays.copyOf(found, n);
    store = new ChunkStore(new DiscardingObjectStore(), ChunkStoreConfig.defaults());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    store.close();
  }

  /** Chunker.DEFAULT cutting the whole buffer. */
  @Benchmark
  @OperationsPerInvocation(MIB)
  public int chunk() {
    Chunker chunker = Chunker.DEFAULT;
    int chunks = 0;
    for (int at = 0; at < data.length; at += chunker.cut(data, at, data.length - at)) {
      chunks++;
    }
    return chunks;
  }

  /** SHA-256 ids of the buffer's chunks, one after another on this thread. */
  @Benchmark
  @OperationsPerInvocation(MIB)
  public void chunkIds(Blackhole blackhole) {
    for (int i = 0; i + 1 < cuts.length; i++) {
      blackhole.consume(ChunkId.of(data, cuts[i], cuts[i + 1] - cuts[i]));
    }
  }

  /** The real ingest pipeline: write + flush through a ChunkStore whose backend drops puts. */
  @Benchmark
  @OperationsPerInvocation(MIB)
  public FileContent ingest() throws IOException {
    ContentWriter writer = store.newWriter();
    CompletableFuture<FileContent> content = writer.write(new ByteArrayInputStream(data));
    writer.flush();
    return content.join();
  }

  /** Baseline: copying the buffer once, the memory bandwidth any pass is bounded by. */
  @Benchmark
  @OperationsPerInvocation(MIB)
  public byte[] baselineCopy() {
    System.arraycopy(data, 0, copy, 0, data.length);
    return copy;
  }

  /** Baseline: one SHA-256 over the whole buffer, the hash's speed without per-chunk costs. */
  @Benchmark
  @OperationsPerInvocation(MIB)
  public byte[] baselineSha256() throws NoSuchAlgorithmException {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(data);
    return sha.digest();
  }

  /** Runs every benchmark above and prints one figure a line, each beside its baseline. */
  public static void main(String[] args) throws RunnerException {
    Collection<RunResult> results =
        new Runner(new OptionsBuilder().include(ChunkingBenchmark.class.getName() + ".*").build())
            .run();
    double chunk = score(results, "chunk");
    double ids = score(results, "chunkIds");
    double ingest = score(results, "ingest");
    double copy = score(results, "baselineCopy");
    double sha = score(results, "baselineSha256");
    // Cutting and hashing run on different threads in the writer, so with two or more cores the
    // pipeline is bounded by the slower stage; on one thread it would be the serial combination.
    double pipelined = Math.min(chunk, ids);
    double serial = 1 / (1 / chunk + 1 / ids);
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "chunk (Chunker.DEFAULT): %.0f MiB/s   baseline memcpy: %.0f MiB/s%n",
        chunk, copy);
    System.out.printf(
        Locale.ROOT,
        "chunk ids (SHA-256 per chunk): %.0f MiB/s"
            + "   baseline one SHA-256 over the buffer: %.0f MiB/s   ratio: %.2fx%n",
        ids, sha, ids / sha);
    System.out.printf(
        Locale.ROOT,
        "ingest (write+flush, discarding store): %.0f MiB/s (target 600)"
            + "   pipelined ideal min(chunk, ids): %.0f MiB/s   ratio: %.2fx"
            + "   serial chunk-then-hash: %.0f MiB/s   cores: %d%n",
        ingest, pipelined, ingest / pipelined, serial, Runtime.getRuntime().availableProcessors());
  }

  private static double score(Collection<RunResult> results, String method) {
    String label = ChunkingBenchmark.class.getName() + "." + method;
    return results.stream()
        .filter(r -> r.getParams().getBenchmark().equals(label))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("No result for " + label))
        .getPrimaryResult()
        .getScore();
  }
}
