package dev.tusk.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tusk.api.PipelineClient;
import dev.tusk.api.TuskClient;
import dev.tusk.api.TuskException;
import dev.tusk.api.v1.CommitInfo;
import dev.tusk.api.v1.DatumInfo;
import dev.tusk.api.v1.FileInfo;
import dev.tusk.api.v1.FileProvenance;
import dev.tusk.api.v1.JobInfo;
import dev.tusk.api.v1.RerunDatumResponse;
import dev.tusk.api.FileUpload;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pipelines end to end: a real daemon process, real agents it starts, real FUSE mounts and real
 * bubblewrap sandboxes.
 */
class PipelineIT {
  @TempDir Path temp;

  private DaemonProcess daemon;
  private TuskClient client;
  private PipelineClient pipelines;

  @BeforeAll
  static void requirePrerequisites() {
    boolean fuse = Files.exists(Path.of("/dev/fuse")) && Files.isExecutable(Path.of("/usr/bin/fusermount"));
    boolean bwrap = Files.isExecutable(Path.of("/usr/bin/bwrap"));
    if ((!fuse || !bwrap) && "true".equals(System.getenv("CI"))) {
      fail("Pipelines need FUSE (/dev/fuse, fusermount) and bubblewrap: bin/setup installs them");
    }
    assumeTrue(fuse && bwrap, "FUSE or bubblewrap is missing here; under CI=true this fails instead");
  }

  @BeforeEach
  void startDaemon() throws Exception {
    daemon = DaemonProcess.start(temp.resolve("data"), DaemonProcess.freePort());
    client = daemon.client();
    pipelines = client.pipelines();
  }

  @AfterEach
  void stopDaemon() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
  }

  private void put(String repo, Map<String, String> files) {
    FileUpload upload = client.modifyFile(repo, "master", "");
    files.forEach((path, text) -> upload.put(path, text.getBytes(StandardCharsets.UTF_8)));
    upload.finish();
  }

  private static String spec(String name, String glob, String datumTries, String... cmd) {
    String args = Stream.of(cmd).map(c -> "\"" + c.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
        .collect(Collectors.joining(", "));
    return """
        {
          "pipeline": {"name": "%s"},
          "description": "test pipeline",
          "transform": {"cmd": [%s], "image": "debian:12"},
          "input": {"pfs": {"repo": "images", "glob": "%s"}},
          "datum_tries": %s
        }
        """.formatted(name, args, glob, datumTries);
  }

  /** The job for the input commit {@code inputCommit}, waited for. */
  private JobInfo jobFor(String pipeline, String inputCommit) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      try (Stream<JobInfo> jobs = pipelines.listJob(pipeline, 0)) {
        for (JobInfo job : jobs.toList()) {
          if (job.getInputCommitsList().stream().anyMatch(c -> c.getId().equals(inputCommit))) {
            return pipelines.inspectJob(job.getId(), true);
          }
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("No job of " + pipeline + " for input commit " + inputCommit);
  }

  private String head(String repo) {
    return client.inspectBranch(repo, "master").getHead();
  }

  private Map<String, String> files(String ref) {
    Map<String, String> out = new TreeMap<>();
    try (Stream<FileInfo> files = client.globFile(ref + ":/**")) {
      for (FileInfo file : files.toList()) {
        if (file.getType() == dev.tusk.api.v1.FileType.FILE) {
          ByteArrayOutputStream bytes = new ByteArrayOutputStream();
          client.getFile(ref + ":" + file.getPath(), 0, 0).forEach(b -> bytes.writeBytes(b.toByteArray()));
          out.put(file.getPath(), bytes.toString(StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }

  @Test
  void jobsProcessOnlyChangedDatumsAndRecordProvenance() throws Exception {
    client.createRepo("images", "", false);
    put("images", Map.of("/a.txt", "alpha", "/b.txt", "beta"));
    pipelines.createPipeline(spec("upper", "/*", "1", "sh", "-c",
        "for f in /pfs/images/*; do tr a-z A-Z < $f > /pfs/out/$(basename $f); done; echo done $TUSK_DATUM_ID"),
        false, false);

    JobInfo first = jobFor("upper", head("images"));
    assertThat(first.getState()).as(first.getReason()).isEqualTo("success");
    assertThat(first.getDatumsTotal()).isEqualTo(2);
    assertThat(first.getDatumsProcessed()).isEqualTo(2);
    assertThat(files("upper@master")).containsExactly(Map.entry("/a.txt", "ALPHA"), Map.entry("/b.txt", "BETA"));

    CommitInfo output = client.inspectCommit("upper@master", false);
    CommitInfo input = client.inspectCommit("images@master", false);
    assertThat(output.getId()).isEqualTo(first.getOutputCommit().getId());
    assertThat(output.getCommitSet()).isEqualTo(input.getCommitSet());
    assertThat(output.getProvenanceList()).singleElement()
        .satisfies(p -> assertThat(p.getId()).isEqualTo(input.getId()));

    // One new file: one datum runs, the other two are reused by reference.
    put("images", Map.of("/c.txt", "gamma"));
    JobInfo second = jobFor("upper", head("images"));
    assertThat(second.getState()).as(second.getReason()).isEqualTo("success");
    assertThat(second.getDatumsTotal()).isEqualTo(3);
    assertThat(second.getDatumsProcessed()).isEqualTo(1);
    assertThat(second.getDatumsSkipped()).isEqualTo(2);
    assertThat(files("upper@master")).containsOnlyKeys("/a.txt", "/b.txt", "/c.txt");

    // A deleted input file takes its datum's output with it.
    FileUpload delete = client.modifyFile("images", "master", "");
    delete.delete("/a.txt");
    delete.finish();
    JobInfo third = jobFor("upper", head("images"));
    assertThat(third.getState()).as(third.getReason()).isEqualTo("success");
    assertThat(third.getDatumsProcessed()).isZero();
    assertThat(files("upper@master")).containsOnlyKeys("/b.txt", "/c.txt");

    FileProvenance origin = pipelines.inspectFileProvenance("upper@master:/c.txt");
    assertThat(origin.getJob()).isEqualTo(second.getId());
    assertThat(origin.getPipeline()).isEqualTo("upper");
    assertThat(origin.getPipelineVersion()).isEqualTo(1);
    assertThat(origin.getImage()).isEqualTo("debian:12");
    assertThat(origin.getInputsList()).singleElement().satisfies(in -> {
      assertThat(in.getRepo()).isEqualTo("images");
      assertThat(in.getPath()).isEqualTo("/c.txt");
      assertThat(in.getHash()).isEqualTo(client.inspectFile("images@master:/c.txt").getHash());
    });

    List<DatumInfo> datums;
    try (Stream<DatumInfo> listed = pipelines.listDatum("upper@" + third.getId())) {
      datums = listed.toList();
    }
    assertThat(datums).extracting(DatumInfo::getState).containsOnly("skipped");
    assertThat(datums).hasSize(2);

    String logs;
    try (var lines = pipelines.logs("upper", second.getId(), null)) {
      logs = lines.map(l -> l.getMessage()).collect(Collectors.joining("\n"));
    }
    assertThat(logs).contains("done ");

    RerunDatumResponse rerun = pipelines.rerunDatum("upper@" + second.getId(), origin.getDatum());
    assertThat(rerun.getSucceeded()).as(rerun.getReason()).isTrue();
    assertThat(rerun.getIdentical()).isTrue();
  }

  @Test
  void inputsAreReadOnlyAndSeeOnlyTheirDatum() throws Exception {
    client.createRepo("images", "", false);
    put("images", Map.of("/a.txt", "alpha", "/b.txt", "beta"));
    pipelines.createPipeline(spec("probe", "/*", "1", "sh", "-c",
        "name=$(basename $images); ls /pfs/images > /pfs/out/$name.ls; "
            + "if echo x > /pfs/images/$name 2>/dev/null; then echo writable; else echo read-only; fi > /pfs/out/$name.ro; "
            + "echo $TUSK_JOB_ID $PACH_DATUM_ID > /pfs/out/$name.env"),
        false, false);
    JobInfo job = jobFor("probe", head("images"));
    assertThat(job.getState()).as(job.getReason()).isEqualTo("success");
    Map<String, String> out = files("probe@master");
    assertThat(out.get("/a.txt.ls")).isEqualTo("a.txt\n");
    assertThat(out.get("/b.txt.ls")).isEqualTo("b.txt\n");
    assertThat(out.get("/a.txt.ro")).isEqualTo("read-only\n");
    assertThat(out.get("/a.txt.env")).startsWith(job.getId() + " ");
  }

  @Test
  void aFailingDatumFailsTheJobAfterItsTriesAndLeavesTheBranchAlone() throws Exception {
    client.createRepo("images", "", false);
    put("images", Map.of("/good.txt", "fine", "/bad.txt", "broken"));
    pipelines.createPipeline(spec("picky", "/*", "2", "sh", "-c",
        "if [ -e /pfs/images/bad.txt ]; then echo cannot read bad.txt >&2; exit 3; fi; cp /pfs/images/* /pfs/out/"),
        false, false);
    JobInfo job = jobFor("picky", head("images"));
    assertThat(job.getState()).isEqualTo("failure");
    assertThat(job.getDatumsFailed()).isEqualTo(1);
    assertThat(job.hasOutputCommit()).isFalse();
    assertThat(job.getReason()).contains("exit").contains("tusk logs");
    assertThat(client.inspectBranch("picky", "master").getHead()).isEmpty();

    DatumInfo failed;
    try (Stream<DatumInfo> datums = pipelines.listDatum(job.getId())) {
      failed = datums.filter(d -> d.getState().equals("failed")).findFirst().orElseThrow();
    }
    assertThat(failed.getTries()).isEqualTo(2);
    String logs;
    try (var lines = pipelines.logs("picky", job.getId(), failed.getId())) {
      logs = lines.map(l -> l.getMessage()).collect(Collectors.joining("\n"));
    }
    assertThat(logs).contains("cannot read bad.txt");
  }

  @Test
  void aRunningDatumsLogsShowBeforeItEnds() throws Exception {
    client.createRepo("images", "", false);
    put("images", Map.of("/a.txt", "alpha"));
    pipelines.createPipeline(spec("chatty", "/", "1", "sh", "-c", "echo warming up; sleep 120"), false, false);
    // Well before the datum ends: the line must come from the running datum.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String logs = "";
    while (!logs.contains("warming up") && System.nanoTime() < deadline) {
      Thread.sleep(100);
      try (var lines = pipelines.logs("chatty", null, null)) {
        logs = lines.map(l -> l.getMessage()).collect(Collectors.joining("\n"));
      }
    }
    assertThat(logs).contains("warming up");
    try (Stream<JobInfo> jobs = pipelines.listJob("chatty", 0)) {
      assertThat(jobs.toList()).singleElement().satisfies(j -> assertThat(j.getState()).isEqualTo("running"));
    }
    pipelines.stopPipeline("chatty");
    try (Stream<JobInfo> jobs = pipelines.listJob("chatty", 0)) {
      assertThat(jobs.toList()).singleElement().satisfies(j -> assertThat(j.getState()).isEqualTo("killed"));
    }
  }

  @Test
  void twoDatumsWritingOnePathFailTheJobNamingBoth() throws Exception {
    client.createRepo("images", "", false);
    put("images", Map.of("/a.txt", "alpha", "/b.txt", "beta"));
    pipelines.createPipeline(spec("clash", "/*", "1", "sh", "-c", "echo x > /pfs/out/same.txt"), false, false);
    JobInfo job = jobFor("clash", head("images"));
    assertThat(job.getState()).isEqualTo("failure");
    List<String> ids;
    try (Stream<DatumInfo> datums = pipelines.listDatum(job.getId())) {
      ids = datums.map(DatumInfo::getId).toList();
    }
    assertThat(job.getReason()).contains("/same.txt").contains(ids.get(0)).contains(ids.get(1));
  }

  @Test
  void anUpdatedTransformReprocessesEverythingAndOtherUpdatesNothing() throws Exception {
    client.createRepo("images", "", false);
    put("images", Map.of("/a.txt", "alpha", "/b.txt", "beta"));
    pipelines.createPipeline(spec("v", "/*", "1", "sh", "-c", "cp /pfs/images/* /pfs/out/"), false, false);
    JobInfo first = jobFor("v", head("images"));
    assertThat(first.getState()).as(first.getReason()).isEqualTo("success");

    String retried = spec("v", "/*", "5", "sh", "-c", "cp /pfs/images/* /pfs/out/");
    assertThat(pipelines.createPipeline(retried, true, false).getVersion()).isEqualTo(2);
    JobInfo second = awaitJobOfVersion("v", 2);
    assertThat(second.getDatumsSkipped()).isEqualTo(2);
    assertThat(second.getDatumsProcessed()).isZero();

    pipelines.createPipeline(spec("v", "/*", "5", "sh", "-c", "for f in /pfs/images/*; do rev $f > /pfs/out/$(basename $f); done"), true, false);
    JobInfo third = awaitJobOfVersion("v", 3);
    assertThat(third.getState()).as(third.getReason()).isEqualTo("success");
    assertThat(third.getDatumsProcessed()).isEqualTo(2);
    assertThat(files("v@master")).containsEntry("/a.txt", "ahpla");
    assertThatThrownBy(() -> pipelines.createPipeline(retried, false, false))
        .isInstanceOf(TuskException.class)
        .hasMessageContaining("already exists");
  }

  private JobInfo awaitJobOfVersion(String pipeline, long version) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      try (Stream<JobInfo> jobs = pipelines.listJob(pipeline, 0)) {
        var job = jobs.filter(j -> j.getPipelineVersion() == version).findFirst();
        if (job.isPresent()) {
          return pipelines.inspectJob(job.get().getId(), true);
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("No job of version " + version);
  }

  @Test
  void aKilledAgentOrDaemonMidJobEndsInOneCorrectOutputCommit() throws Exception {
    client.createRepo("images", "", false);
    Map<String, String> inputs = new TreeMap<>();
    for (int i = 0; i < 6; i++) {
      inputs.put("/f" + i, "file " + i);
    }
    put("images", inputs);
    pipelines.createPipeline(spec("slow", "/*", "3", "sh", "-c",
        "sleep 1; for f in /pfs/images/*; do cp $f /pfs/out/; done"), false, false);
    // Kill the agent while it runs a datum: its datum runs again elsewhere.
    Thread.sleep(2500);
    killAgents();
    Path data = temp.resolve("data");
    daemon.kill();
    killAgents();
    daemon = DaemonProcess.start(data, DaemonProcess.freePort());
    client = daemon.client();
    pipelines = client.pipelines();
    JobInfo job = jobFor("slow", head("images"));
    assertThat(job.getState()).as(job.getReason()).isEqualTo("success");
    assertThat(files("slow@master")).isEqualTo(inputs);
    try (Stream<CommitInfo> commits = client.listCommit("slow", "master", 0)) {
      assertThat(commits.toList()).singleElement()
          .satisfies(c -> assertThat(c.getId()).isEqualTo(job.getOutputCommit().getId()));
    }
    try (Stream<JobInfo> jobs = pipelines.listJob("slow", 0)) {
      assertThat(jobs.toList()).hasSize(1);
    }
  }

  private static void killAgents() throws Exception {
    Process pkill = new ProcessBuilder("pkill", "-9", "-f", "dev.tusk.agent.AgentMain").inheritIO().start();
    pkill.waitFor(10, TimeUnit.SECONDS);
  }

  @Test
  void theCliListsJobsAsJson() throws Exception {
    client.createRepo("images", "", false);
    put("images", Map.of("/a.txt", "alpha"));
    Path spec = temp.resolve("spec.json");
    Files.writeString(spec, spec("copy", "/", "1", "sh", "-c", "cp -r /pfs/images/. /pfs/out/"));
    assertThat(tusk("create", "pipeline", "-f", spec.toString())).contains("Created pipeline copy");
    assertThat(tusk("wait", "job", "copy")).contains("success");
    JobInfo job = jobFor("copy", head("images"));
    String json = tusk("list", "job", "-p", "copy", "-o", "json");
    assertThat(json).contains("\"id\":\"" + job.getId() + "\"")
        .contains("\"state\":\"success\"")
        .contains("\"input_commits\":[{\"repo\":\"images\",\"branch\":\"master\",\"id\":\"" + head("images") + "\"}]")
        .contains("\"output_commit\":{\"repo\":\"copy\",\"branch\":\"master\"")
        .contains("\"datums_total\":1,\"datums_processed\":1,\"datums_skipped\":0,\"datums_failed\":0");
    String datums = tusk("list", "datum", "copy@" + job.getId(), "-o", "json");
    assertThat(datums).contains("\"state\":\"success\"").contains("\"inputs\":[{\"name\":\"images\"");
    assertThat(tusk("inspect", "file", "copy@master:/a.txt", "--provenance")).contains(job.getId());
  }

  private String tusk(String... args) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), "dev.tusk.cli.Tusk",
        "--address", "127.0.0.1:" + daemon.port()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(out).isZero();
    return out;
  }
}
