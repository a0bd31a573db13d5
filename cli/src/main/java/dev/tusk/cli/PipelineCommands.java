package dev.tusk.cli;

import dev.tusk.api.PipelineClient;
import dev.tusk.api.TuskClient;
import dev.tusk.api.v1.DatumInfo;
import dev.tusk.api.v1.DatumInput;
import dev.tusk.api.v1.FileProvenance;
import dev.tusk.api.v1.JobInfo;
import dev.tusk.api.v1.LogLine;
import dev.tusk.api.v1.PipelineInfo;
import dev.tusk.api.v1.RerunDatumResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Pipelines and what they did: {@code create|update|inspect|list|delete|stop|start pipeline},
 * {@code list|inspect|wait job}, {@code list datum}, {@code rerun datum}, {@code logs} and {@code
 * inspect file --provenance}.
 */
final class PipelineCommands {
  private PipelineCommands() {}

  private static Output.Printer<PipelineInfo> pipelinePrinter(Io io) {
    return new Output.Printer<>(
        JsonOutput::pipeline,
        new String[] {"NAME", "VERSION", "STATE", "LAST JOB", "CREATED", "DESCRIPTION"},
        p -> new String[] {
          p.getName(),
          String.valueOf(p.getVersion()),
          p.getState(),
          p.hasLastJob() ? p.getLastJob().getState() : "-",
          p.hasCreated() ? Formats.ago(p.getCreated(), io.clock()) : "-",
          p.getDescription()
        });
  }

  private static Output.Printer<JobInfo> jobPrinter(Io io) {
    return new Output.Printer<>(
        JsonOutput::job,
        new String[] {"ID", "PIPELINE", "STARTED", "STATE", "DATUMS", "OUTPUT"},
        j -> new String[] {
          j.getId(),
          j.getPipeline(),
          j.hasStarted() ? Formats.ago(j.getStarted(), io.clock()) : "-",
          j.getState(),
          datumCounts(j),
          j.hasOutputCommit() ? j.getOutputCommit().getRepo() + "@" + j.getOutputCommit().getId() : "-"
        });
  }

  private static final Output.Printer<DatumInfo> DATUM_PRINTER = new Output.Printer<>(
      JsonOutput::datum,
      new String[] {"ID", "STATE", "TRIES", "INPUTS"},
      d -> new String[] {
        d.getId(),
        d.getState(),
        String.valueOf(d.getTries()),
        d.getInputsList().stream().map(PipelineCommands::input).collect(Collectors.joining(", "))
      });

  static String datumCounts(JobInfo job) {
    return job.getDatumsProcessed() + " processed, " + job.getDatumsSkipped() + " skipped, "
        + job.getDatumsFailed() + " failed of " + job.getDatumsTotal();
  }

  private static String input(DatumInput input) {
    return input.getName() + ":" + input.getRepo() + "@" + input.getCommit() + ":" + input.getPath();
  }

  private static void printJob(Io io, Output output, JobInfo job) throws Exception {
    output.printOne(io, job, JsonOutput::job, j -> new String[] {
      "Job", j.getPipeline() + "@" + j.getId(),
      "Pipeline version", String.valueOf(j.getPipelineVersion()),
      "State", j.getState() + (j.getReason().isEmpty() ? "" : ": " + j.getReason()),
      "Started", j.hasStarted() ? Formats.time(j.getStarted(), io.clock()) : "-",
      "Finished", j.hasFinished() ? Formats.time(j.getFinished(), io.clock()) : "-",
      "Datums", datumCounts(j),
      "Inputs", j.getInputCommitsList().stream()
          .map(c -> c.getRepo() + "@" + c.getBranch() + "=" + c.getId())
          .collect(Collectors.joining(", ")),
      "Output", j.hasOutputCommit()
          ? j.getOutputCommit().getRepo() + "@" + j.getOutputCommit().getBranch() + "=" + j.getOutputCommit().getId()
          : "-",
      "Commit set", j.getCommitSet()
    });
  }

  /**
   * A job as the user named it: an id, PIPELINE@ID, or a pipeline's name for its newest job (waited
   * for a while, since a new pipeline's first job starts a moment after it is created).
   */
  private static String jobRef(PipelineClient pipelines, String ref) throws InterruptedException {
    if (ref.contains("@") || ref.matches("[0-9a-f]{32}")) {
      return ref;
    }
    pipelines.inspectPipeline(ref, 0);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try (Stream<JobInfo> jobs = pipelines.listJob(ref, 1)) {
        Optional<JobInfo> newest = jobs.findFirst();
        if (newest.isPresent()) {
          return newest.get().getId();
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalArgumentException("Pipeline " + ref + " has no job yet");
      }
      Thread.sleep(100);
    }
  }

  private static String readSpec(Io io, String file) throws Exception {
    if (file.equals("-")) {
      return new String(io.in().readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      return Files.readString(Path.of(file));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("No such spec file: " + file);
    }
  }

  @Command(name = "pipeline", description = "Create a pipeline from a Pachyderm-style JSON spec.")
  static final class Create extends ClientCommand {
    @Option(names = {"-f", "--file"}, required = true, paramLabel = "SPEC", description = "The spec (JSON), or - for stdin.")
    String file;

    @Override
    protected int run(TuskClient client) throws Exception {
      PipelineInfo pipeline = client.pipelines().createPipeline(readSpec(io(), file), false, false);
      io().out().println("Created pipeline " + pipeline.getName() + " (version " + pipeline.getVersion()
          + "), writing to " + pipeline.getOutputRepo() + "@" + pipeline.getOutputBranch());
      return 0;
    }
  }

  @Command(
      name = "pipeline",
      description = "Store a new version of a pipeline's spec; the next job reprocesses only what the change requires.")
  static final class Update extends ClientCommand {
    @Option(names = {"-f", "--file"}, required = true, paramLabel = "SPEC", description = "The spec (JSON), or - for stdin.")
    String file;

    @Option(names = "--reprocess", description = "Process every datum again, even unchanged ones.")
    boolean reprocess;

    @Override
    protected int run(TuskClient client) throws Exception {
      PipelineInfo pipeline = client.pipelines().createPipeline(readSpec(io(), file), true, reprocess);
      io().out().println("Updated pipeline " + pipeline.getName() + " to version " + pipeline.getVersion());
      return 0;
    }
  }

  @Command(name = "pipeline", description = "Show a pipeline, with its spec.")
  static final class Inspect extends ClientCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--version", paramLabel = "N", description = "Show the spec of this version (default: the current one).")
    long version;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      PipelineInfo pipeline = client.pipelines().inspectPipeline(name, version);
      Io io = io();
      output.printOne(io, pipeline, JsonOutput::pipeline, p -> new String[] {
        "Name", p.getName(),
        "Version", String.valueOf(p.getVersion()),
        "State", p.getState() + (p.getReason().isEmpty() ? "" : ": " + p.getReason()),
        "Created", p.hasCreated() ? Formats.time(p.getCreated(), io.clock()) : "-",
        "Updated", p.hasUpdated() ? Formats.time(p.getUpdated(), io.clock()) : "-",
        "Output", p.getOutputRepo() + "@" + p.getOutputBranch(),
        "Last job", p.hasLastJob()
            ? p.getLastJob().getId() + " (" + p.getLastJob().getState() + ")"
            : "-",
        "Description", p.getDescription(),
        "Spec", p.getSpecJson()
      });
      return 0;
    }
  }

  @Command(name = "pipeline", description = "List pipelines.")
  static final class List extends ClientCommand {
    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      try (Stream<PipelineInfo> pipelines = client.pipelines().listPipeline()) {
        output.print(io(), pipelines.iterator(), pipelinePrinter(io()));
      }
      return 0;
    }
  }

  @Command(name = "pipeline", description = "Delete a pipeline, its jobs and (unless --keep-repo) its output repo.")
  static final class Delete extends ClientCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--keep-repo", description = "Keep the output repo.")
    boolean keepRepo;

    @Override
    protected int run(TuskClient client) {
      client.pipelines().deletePipeline(name, keepRepo);
      return 0;
    }
  }

  @Command(name = "pipeline", description = "Stop a pipeline: kill its running job and start no new ones.")
  static final class Stop extends ClientCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    protected int run(TuskClient client) {
      client.pipelines().stopPipeline(name);
      return 0;
    }
  }

  @Command(name = "pipeline", description = "Start a stopped pipeline; it catches up with its inputs.")
  static final class Start extends ClientCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    protected int run(TuskClient client) {
      client.pipelines().startPipeline(name);
      return 0;
    }
  }

  @Command(name = "job", description = "List jobs, newest first.")
  static final class ListJob extends ClientCommand {
    @Option(names = {"-p", "--pipeline"}, paramLabel = "PIPELINE", description = "Only this pipeline's jobs.")
    String pipeline;

    @Option(names = {"-n", "--number"}, paramLabel = "N", description = "At most N jobs.")
    long limit;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      try (Stream<JobInfo> jobs = client.pipelines().listJob(pipeline, limit)) {
        output.print(io(), jobs.iterator(), jobPrinter(io()));
      }
      return 0;
    }
  }

  @Command(name = "job", description = "Show a job: ID, PIPELINE@ID, or PIPELINE for its newest job.")
  static final class InspectJob extends ClientCommand {
    @Parameters(paramLabel = "JOB")
    String job;

    @Option(names = "--wait", description = "Wait until the job has ended.")
    boolean wait;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      JobInfo info = client.pipelines().inspectJob(jobRef(client.pipelines(), job), wait);
      printJob(io(), output, info);
      return wait && !info.getState().equals("success") ? 1 : 0;
    }
  }

  @Command(
      name = "job",
      description = "Wait until a job (ID, PIPELINE@ID, or PIPELINE for its newest) has ended, then show it;"
          + " exits 1 unless it succeeded.")
  static final class WaitJob extends ClientCommand {
    @Parameters(paramLabel = "JOB")
    String job;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      JobInfo info = client.pipelines().inspectJob(jobRef(client.pipelines(), job), true);
      printJob(io(), output, info);
      return info.getState().equals("success") ? 0 : 1;
    }
  }

  @Command(name = "datum", description = "List a job's datums: PIPELINE@JOB or JOB.")
  static final class ListDatum extends ClientCommand {
    @Parameters(paramLabel = "PIPELINE@JOB")
    String job;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      try (Stream<DatumInfo> datums = client.pipelines().listDatum(job)) {
        output.print(io(), datums.iterator(), DATUM_PRINTER);
      }
      return 0;
    }
  }

  @Command(
      name = "datum",
      description = "Run one datum of a job again from its recorded inputs, commit nothing, and say whether "
          + "its output is byte-identical; exits 1 if not.")
  static final class RerunDatum extends ClientCommand {
    @Parameters(index = "0", paramLabel = "PIPELINE@JOB")
    String job;

    @Parameters(index = "1", paramLabel = "DATUM")
    String datum;

    @Override
    protected int run(TuskClient client) {
      RerunDatumResponse result = client.pipelines().rerunDatum(job, datum);
      if (!result.getSucceeded()) {
        io().out().println("The rerun failed: " + result.getReason());
        return 1;
      }
      if (result.getIdentical()) {
        io().out().println("Identical: datum " + datum + " produced byte-identical output");
        return 0;
      }
      io().out().println("Different: datum " + datum + " produced different output for:");
      result.getDifferingPathsList().forEach(p -> io().out().println("  " + p));
      return 1;
    }
  }

  @Command(name = "logs", description = "Show what a pipeline's datums printed, oldest first.")
  static final class Logs extends ClientCommand {
    @Option(names = {"-p", "--pipeline"}, paramLabel = "PIPELINE")
    String pipeline;

    @Option(names = "--job", paramLabel = "JOB", description = "Only this job's logs (ID or PIPELINE@ID).")
    String job;

    @Option(names = "--datum", paramLabel = "DATUM", description = "Only this datum's logs.")
    String datum;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      if (pipeline == null && job == null) {
        throw new IllegalArgumentException("logs needs -p PIPELINE or --job JOB");
      }
      try (Stream<LogLine> lines = client.pipelines().logs(pipeline, job, datum)) {
        if (output.json()) {
          output.print(io(), lines.iterator(), new Output.Printer<>(JsonOutput::log, new String[0], l -> new String[0]));
        } else {
          lines.forEach(l -> io().out().println(l.getMessage()));
        }
      }
      return 0;
    }
  }

  /** {@code inspect file --provenance}. */
  static void printProvenance(Io io, Output output, PipelineClient pipelines, String file) throws Exception {
    FileProvenance origin = pipelines.inspectFileProvenance(file);
    output.printOne(io, origin, JsonOutput::provenance, f -> {
      java.util.List<String> rows = new ArrayList<>(java.util.List.of(
          "Path", f.getPath(),
          "Hash", f.getHash(),
          "Commit", f.getCommit().getRepo() + "@" + f.getCommit().getId(),
          "Pipeline", f.getPipeline() + " (version " + f.getPipelineVersion() + ")",
          "Job", f.getJob(),
          "Datum", f.getDatum(),
          "Command", String.join(" ", f.getCmdList()),
          "Image", f.getImage().isEmpty() ? "-" : f.getImage(),
          "Runtime", f.getRuntime()));
      for (DatumInput input : f.getInputsList()) {
        rows.add("Input " + input.getName());
        rows.add(input.getRepo() + "@" + input.getCommit() + ":" + input.getPath() + " (" + input.getHash() + ")");
      }
      return rows.toArray(String[]::new);
    });
  }
}
