package dev.tusk.bench;

import dev.tusk.api.FileUpload;
import dev.tusk.api.PipelineClient;
import dev.tusk.api.TuskClient;
import dev.tusk.api.v1.JobInfo;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The pipeline targets of issue 5, against a running daemon: commit-to-output latency of a
 * one-datum job, datums per second over 10,000 trivial datums with two agents, the incremental job
 * after one file is added to those 10,000, and a datum that writes 6,000 files of 3 KB. Prints
 * {@code key=value} lines; bench/pipelines.sh runs it beside its baselines.
 *
 * <p>Usage: {@code PipelineBenchmark HOST:PORT [files [parts]]} (files: the size of the many-datum
 * repo, 10,000 by default; parts: which figures, comma-separated from {@code latency,many,big}, all
 * by default).
 */
public final class PipelineBenchmark {
  private final TuskClient client;
  private final PipelineClient pipelines;

  private PipelineBenchmark(TuskClient client) {
    this.client = client;
    this.pipelines = client.pipelines();
  }

  public static void main(String[] args) throws Exception {
    String[] address = args[0].split(":");
    int files = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    List<String> parts = List.of((args.length > 2 ? args[2] : "latency,many,big").split(","));
    ManagedChannel channel = NettyChannelBuilder.forAddress(address[0], Integer.parseInt(address[1]))
        .usePlaintext()
        .maxInboundMessageSize(64 << 20)
        .build();
    try {
      PipelineBenchmark bench = new PipelineBenchmark(new TuskClient(channel));
      for (String part : parts) {
        switch (part) {
          case "latency" -> bench.latency();
          case "many" -> bench.manyDatums(files);
          case "big" -> bench.bigOutput();
          default -> throw new IllegalArgumentException("Unknown part '" + part + "': latency, many or big");
        }
      }
    } finally {
      channel.shutdownNow();
    }
  }

  /** A commit that adds one file: how long until the output commit of its job exists. */
  private void latency() throws InterruptedException {
    client.createRepo("lat", "", false);
    put("lat", "/warm", "warm up");
    pipelines.createPipeline(spec("latout", "lat", "/*", 1, "cp -r /pfs/lat/. /pfs/out/"), false, false);
    awaitJob("latout", head("lat"));
    List<Double> millis = new ArrayList<>();
    List<Double> commitMillis = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      long t0 = System.nanoTime();
      String commit = put("lat", "/f" + i, "file " + i);
      commitMillis.add((System.nanoTime() - t0) / 1e6);
      JobInfo job = awaitJob("latout", commit);
      millis.add((System.nanoTime() - t0) / 1e6);
      check(job, 1, 1 + i + 1);
    }
    Collections.sort(millis);
    Collections.sort(commitMillis);
    System.out.printf("baseline_commit_only_ms_median=%.0f%n", commitMillis.get(commitMillis.size() / 2));
    System.out.printf("latency_ms_median=%.0f%n", millis.get(millis.size() / 2));
    System.out.printf("latency_ms_max=%.0f%n", millis.get(millis.size() - 1));
  }

  /** {@code files} one-file datums with two agents, then one more file. */
  private void manyDatums(int files) throws InterruptedException {
    client.createRepo("many", "", false);
    List<FileUpload.WholeFile> batch = new ArrayList<>();
    FileUpload upload = client.modifyFile("many", "master", "");
    for (int i = 0; i < files; i++) {
      batch.add(new FileUpload.WholeFile(
          String.format("/f%05d", i), com.google.protobuf.ByteString.copyFromUtf8("datum " + i)));
      if (batch.size() == 1000) {
        upload.putFiles(batch);
        batch = new ArrayList<>();
      }
    }
    if (!batch.isEmpty()) {
      upload.putFiles(batch);
    }
    String commit = upload.finish().getId();
    Optional<CpuTimes> cpu0 = CpuTimes.ofDaemon();
    long t0 = System.nanoTime();
    pipelines.createPipeline(spec("manyout", "many", "/*", 2, "cp /pfs/many/* /pfs/out/"), false, false);
    JobInfo job = awaitJob("manyout", commit);
    double seconds = (System.nanoTime() - t0) / 1e9;
    cpu0.ifPresent(before -> CpuTimes.ofDaemon().ifPresent(after -> System.out.printf(
        "many_cpu_ms_per_datum daemon=%.2f agents=%.2f sandboxes=%.2f%n",
        (after.daemon() - before.daemon()) * 1e3 / files, (after.agents() - before.agents()) * 1e3 / files,
        (after.sandboxes() - before.sandboxes()) * 1e3 / files)));
    check(job, files, files);
    System.out.printf("many_datums=%d%n", files);
    System.out.printf("many_seconds=%.2f%n", seconds);
    System.out.printf("many_datums_per_s=%.0f%n", files / seconds);
    System.out.printf("many_job_seconds=%.2f%n",
        (job.getFinished().getSeconds() - job.getStarted().getSeconds())
            + (job.getFinished().getNanos() - job.getStarted().getNanos()) / 1e9);

    long t1 = System.nanoTime();
    String next = put("many", "/new", "one more");
    JobInfo incremental = awaitJob("manyout", next);
    System.out.printf("incremental_seconds=%.2f%n", (System.nanoTime() - t1) / 1e9);
    System.out.printf("incremental_processed=%d%n", incremental.getDatumsProcessed());
    System.out.printf("incremental_skipped=%d%n", incremental.getDatumsSkipped());
    check(incremental, 1, files + 1);
  }

  /** One datum that writes 6,000 files of 3 KB. */
  private void bigOutput() throws InterruptedException {
    client.createRepo("seed", "", false);
    put("seed", "/go", "go");
    String awk = "awk 'BEGIN { s = sprintf(\"%2990s\", \"\"); for (i = 0; i < 6000; i++) {"
        + " f = \"/pfs/out/f\" i; printf \"%s%010d\", s, i > f; close(f) } }'";
    long t0 = System.nanoTime();
    pipelines.createPipeline(spec("bigout", "seed", "/", 1, awk), false, false);
    JobInfo job = awaitJob("bigout", head("seed"));
    System.out.printf("big_output_seconds_from_create=%.2f%n", (System.nanoTime() - t0) / 1e9);
    check(job, 1, 1);
    long t1 = System.nanoTime();
    String commit = put("seed", "/go", "go again");
    JobInfo again = awaitJob("bigout", commit);
    System.out.printf("big_output_seconds=%.2f%n", (System.nanoTime() - t1) / 1e9);
    check(again, 1, 1);
    System.out.printf("big_output_files=%d%n", client.inspectCommit("bigout@master", false).getSizeBytes() / 3000);
  }

  private static void check(JobInfo job, long processed, long total) {
    if (!job.getState().equals("success") || job.getDatumsProcessed() != processed || job.getDatumsTotal() != total) {
      throw new IllegalStateException("Unexpected job: " + job);
    }
  }

  private String put(String repo, String path, String text) {
    FileUpload upload = client.modifyFile(repo, "master", "");
    upload.put(path, text.getBytes(StandardCharsets.UTF_8));
    return upload.finish().getId();
  }

  private String head(String repo) {
    return client.inspectBranch(repo, "master").getHead();
  }

  /**
   * Polls (every 2 ms) until the job over {@code inputCommit} has ended; after 2 s, waits for its
   * end with the daemon instead (polling a long job takes the cores its datums need).
   */
  private JobInfo awaitJob(String pipeline, String inputCommit) throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + 600_000_000_000L;
    while (System.nanoTime() < deadline) {
      Optional<JobInfo> job;
      try (Stream<JobInfo> jobs = pipelines.listJob(pipeline, 3)) {
        job = jobs.filter(j -> j.getInputCommitsList().stream().anyMatch(c -> c.getId().equals(inputCommit)))
            .findFirst();
      }
      if (job.isPresent() && !ended(job.get()) && System.nanoTime() - start > 2_000_000_000L) {
        job = Optional.of(pipelines.inspectJob(job.get().getId(), true));
      }
      if (job.isPresent() && ended(job.get())) {
        return job.get();
      }
      Thread.sleep(2);
    }
    throw new IllegalStateException("No job of " + pipeline + " ended for " + inputCommit);
  }

  private static boolean ended(JobInfo job) {
    return !job.getState().equals("running") && !job.getState().equals("created");
  }

  private static String spec(String name, String repo, String glob, int parallelism, String shell) {
    String command = shell.replace("\\", "\\\\").replace("\"", "\\\"");
    return """
        {"pipeline": {"name": "%s"},
         "transform": {"cmd": ["sh", "-c", "%s"]},
         "input": {"pfs": {"repo": "%s", "glob": "%s"}},
         "parallelism_spec": {"constant": %d}}
        """.formatted(name, command, repo, glob, parallelism);
  }
}
