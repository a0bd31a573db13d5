package dev.tusk.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tusk.agent.TestWorkerServer.Report;
import dev.tusk.agent.TestWorkerServer.Session;
import dev.tusk.api.FileUpload;
import dev.tusk.api.TuskClient;
import dev.tusk.api.v1.DatumInput;
import dev.tusk.api.v1.DatumTask;
import dev.tusk.api.v1.FileInfo;
import dev.tusk.api.v1.PutContent;
import dev.tusk.api.v1.Transform;
import dev.tusk.api.v1.WorkerMessage;
import dev.tusk.chunkstore.ChunkId;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ChunkStoreConfig;
import dev.tusk.chunkstore.DataRef;
import dev.tusk.chunkstore.FileContent;
import dev.tusk.chunkstore.ObjectStores;
import dev.tusk.container.ContainerSpec;
import dev.tusk.container.LogSink;
import dev.tusk.fsd.Daemon;
import dev.tusk.fsd.DaemonConfig;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent against a real daemon, a real FUSE mount and real bubblewrap sandboxes; only the
 * daemon's scheduler side of the Work stream is a test stand-in ({@link TestWorkerServer}).
 */
class PipelineAgentIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String JOB = "0123456789abcdef0123456789abcdef";
  private static final String OUTPUT_COMMIT = "fedcba9876543210fedcba9876543210";

  @TempDir static Path temp;
  private static Daemon daemon;
  private static ManagedChannel pfs;
  private static TuskClient client;
  private static ChunkStore chunks;
  private static String commit;
  /** The next commit of images: /a.txt has other bytes of the same length, /b.txt is gone. */
  private static String nextCommit;
  private static byte[] big;

  private TestWorkerServer worker;
  private TestBubblewrapRuntime runtime;
  private PipelineAgent agent;
  private CompletableFuture<Void> running;
  private Session session;
  private Path workDir;
  private int datums;

  @BeforeAll
  static void startDaemon() throws Exception {
    boolean ready = Files.exists(Path.of("/dev/fuse")) && onPath("fusermount") && onPath("bwrap");
    if (!ready && "true".equals(System.getenv("CI"))) {
      fail("FUSE or bubblewrap is missing (/dev/fuse, fusermount, bwrap): bin/setup installs them");
    }
    assumeTrue(ready, "FUSE or bubblewrap is not available here; under CI=true this fails instead");
    daemon = Daemon.start(new DaemonConfig(temp.resolve("data"), "127.0.0.1:0", null, null));
    pfs = NettyChannelBuilder.forAddress("127.0.0.1", daemon.port()).usePlaintext().build();
    client = new TuskClient(pfs);
    chunks = new ChunkStore(ObjectStores.open(client.getStore()), ChunkStoreConfig.defaults());
    big = new byte[300_000];
    new Random(1).nextBytes(big);
    client.createRepo("images", "", false);
    try (FileUpload upload = client.modifyFile("images", "master", "")) {
      upload.put("/a.txt", "alpha\n".getBytes(StandardCharsets.UTF_8));
      upload.put("/b.txt", "bravo\n".getBytes(StandardCharsets.UTF_8));
      upload.put("/dir/c.txt", "charlie\n".getBytes(StandardCharsets.UTF_8));
      upload.put("/dir/big.bin", big);
      commit = upload.finish().getId();
    }
    try (FileUpload upload = client.modifyFile("images", "master", "")) {
      upload.put("/a.txt", "ALPHA\n".getBytes(StandardCharsets.UTF_8));
      upload.delete("/b.txt");
      nextCommit = upload.finish().getId();
    }
  }

  @AfterAll
  static void stopDaemon() throws Exception {
    if (daemon == null) {
      return;
    }
    chunks.close();
    pfs.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    daemon.close();
  }

  private static boolean onPath(String command) {
    return Stream.of(System.getenv("PATH").split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
  }

  @BeforeEach
  void startAgent() throws Exception {
    startAgent(true, newRuntime());
  }

  /** Each datum in a sandbox of its own; {@link PipelineAgentSessionIT}: in one kept sandbox. */
  TestBubblewrapRuntime newRuntime() {
    return new TestBubblewrapRuntime();
  }

  private void startAgent(boolean allowOther, TestBubblewrapRuntime sandbox) throws Exception {
    worker = new TestWorkerServer();
    runtime = sandbox;
    workDir = Files.createTempDirectory(temp, "agent-");
    agent = new PipelineAgent(new AgentConfig("edges", "edges-0", workDir, allowOther), worker.routing(pfs), chunks, runtime);
    running = new CompletableFuture<>();
    Thread thread = new Thread(() -> {
      try {
        agent.run();
        running.complete(null);
      } catch (Throwable e) {
        running.completeExceptionally(e);
      }
    }, "agent-under-test");
    thread.setDaemon(true);
    thread.start();
    session = worker.awaitSession();
  }

  @AfterEach
  void stopAgent() throws Exception {
    agent.close();
    worker.close();
    runtime.close();
    assertThat(mounted(workDir.resolve("pfs"))).as("the agent unmounts").isFalse();
  }

  // ---- inputs ----

  @Test
  void saysHelloWithPipelineWorkerAndRuntime() throws Exception {
    assertThat(session.hello.get().getPipeline()).isEqualTo("edges");
    assertThat(session.hello.get().getWorker()).isEqualTo("edges-0");
    assertThat(session.hello.get().getRuntime()).isEqualTo("bubblewrap");
  }

  @Test
  void aFileDatumSeesExactlyItsFileReadOnly() throws Exception {
    Report report = run(task(List.of("sh", "-c",
        "find /pfs/images | sort; cat /pfs/images/a.txt;"
            + " echo x > /pfs/images/a.txt || echo write-failed;"
            + " touch /pfs/images/new || echo create-failed"),
        input("images", "/a.txt", false)));
    assertThat(report.result().getSuccess()).as(report.toString()).isTrue();
    assertThat(report.lines("stdout")).containsExactly(
        "/pfs/images", "/pfs/images/a.txt", "alpha", "write-failed", "create-failed");
    assertThat(report.lines("stderr")).allMatch(line -> line.contains("Read-only file system"));
    assertThat(report.outputs()).isEmpty();
  }

  @Test
  void aWholeCommitDatumSeesEveryFileAndCannotWrite() throws Exception {
    Report report = run(task(List.of("sh", "-c",
        "cd /pfs/images && find . -type f | sort && cmp dir/big.bin dir/big.bin && wc -c < dir/big.bin;"
            + " rm a.txt 2>&1 || true"),
        input("images", "/", true)));
    assertThat(report.lines("stdout")).containsExactly(
        "./a.txt", "./b.txt", "./dir/big.bin", "./dir/c.txt", "300000", "rm: cannot remove 'a.txt': Read-only file system");
  }

  @Test
  void aDirectoryDatumSeesItsDirectoryOnly() throws Exception {
    Report report = run(task(List.of("sh", "-c", "find /pfs/images | sort; echo $images; touch /pfs/images/dir/x || true"),
        input("images", "/dir", true)));
    assertThat(report.lines("stdout")).containsExactly(
        "/pfs/images", "/pfs/images/dir", "/pfs/images/dir/big.bin", "/pfs/images/dir/c.txt", "/pfs/images/dir");
    assertThat(report.lines("stderr")).singleElement().asString().contains("Read-only file system");
  }

  @Test
  void emptyFilesKeepNamesWithoutBytes() throws Exception {
    DatumInput empty = input("images", "/", true).toBuilder().setEmptyFiles(true).build();
    Report report = run(task(List.of("sh", "-c", "cd /pfs/images && find . -type f -printf '%P %s\\n' | sort"), empty));
    assertThat(report.lines("stdout")).containsExactly("a.txt 0", "b.txt 0", "dir/big.bin 0", "dir/c.txt 0");
  }

  @Test
  void anInputWithoutMatchesIsAnEmptyDirectory() throws Exception {
    DatumTask task = task(List.of("sh", "-c", "ls -A /pfs/labels | wc -l; test -d /pfs/labels && echo dir"),
        input("images", "/a.txt", false)).toBuilder().addInputNames("images").addInputNames("labels").build();
    Report report = run(task);
    assertThat(report.lines("stdout")).containsExactly("0", "dir");
  }

  @Test
  void setsEnvironmentAndStdin() throws Exception {
    DatumTask task = task(List.of("sh"), input("images", "/a.txt", false)).toBuilder()
        .setTransform(Transform.newBuilder()
            .addCmd("sh")
            .addStdin("echo \"$TUSK_JOB_ID $TUSK_DATUM_ID $TUSK_OUTPUT_COMMIT_ID\"")
            .addStdin("echo \"$PACH_JOB_ID $PACH_DATUM_ID $PACH_OUTPUT_COMMIT_ID\"")
            .addStdin("echo \"$images $GREETING\"")
            .addStdin("cat \"$images\"")
            .putEnv("GREETING", "hello world"))
        .build();
    Report report = run(task);
    String ids = JOB + " " + task.getDatum() + " " + OUTPUT_COMMIT;
    assertThat(report.lines("stdout")).containsExactly(ids, ids, "/pfs/images/a.txt hello world", "alpha");
  }

  @Test
  void aSandboxOfAnotherUserNeedsAllowOther() throws Exception {
    // The other user must be able to reach the bind sources, as dockerd (root) can.
    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (boolean allowOther : List.of(true, false)) {
      stopAgent();
      startAgent(allowOther, TestBubblewrapRuntime.asUser(65534));
      Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
      Report report = run(task(List.of("sh", "-c", "id -u; cat /pfs/images/a.txt; echo done > /pfs/out/x"),
          input("images", "/a.txt", false)));
      if (allowOther) {
        assertThat(report.result().getSuccess()).as(report.toString()).isTrue();
        assertThat(report.lines("stdout")).containsExactly("65534", "alpha");
        assertThat(report.outputs()).extracting(PutContent::getPath).containsExactly("/x");
      } else {
        assertThat(report.result().getSuccess()).isFalse();
        assertThat(report.lines("stderr")).anyMatch(line -> line.contains("Permission denied"));
      }
    }
  }

  // ---- one datum after another ----

  @Test
  void eachDatumSeesOnlyItsOwnInputsEvenUnderTheSamePath() throws Exception {
    List<String> show = List.of("sh", "-c", "ls -A /pfs/images; cat /pfs/images/a.txt; ls -A /pfs/out; echo > /pfs/out/x");
    DatumInput nextA = input("images", "/a.txt", false).toBuilder().setCommit(nextCommit).build();
    Report first = run(task(show, input("images", "/a.txt", false)));
    Report second = run(task(show, nextA));
    Report third = run(task(show, input("images", "/a.txt", false)));
    Report other = run(task(List.of("sh", "-c", "ls -A /pfs/images; cat /pfs/images/a.txt || true"),
        input("images", "/b.txt", false)));

    assertThat(first.lines("stdout")).containsExactly("a.txt", "alpha");
    assertThat(second.lines("stdout")).as("same path and size, other bytes").containsExactly("a.txt", "ALPHA");
    assertThat(third.lines("stdout")).containsExactly("a.txt", "alpha");
    assertThat(other.lines("stdout")).containsExactly("b.txt");
    assertThat(other.lines("stderr")).singleElement().asString().contains("No such file or directory");
    assertThat(List.of(first, second, third)).allMatch(r -> r.outputs().size() == 1);
  }

  @Test
  void nothingADatumLeftInTmpOrOutIsThereForTheNext() throws Exception {
    run(task(List.of("sh", "-c", "echo secret > /tmp/kept; mkdir /pfs/out/d; echo x > /pfs/out/d/f; exit 1")));
    Report next = run(task(List.of("sh", "-c", "ls -A /tmp /pfs/out")));

    assertThat(next.lines("stdout")).containsExactly("/pfs/out:", "", "/tmp:");
  }

  @Test
  void aBackgroundProcessOfADatumDoesNotSurviveIt() throws Exception {
    String marker = "51337" + System.nanoTime() % 1000;
    Report first = run(task(List.of("sh", "-c",
        "sleep " + marker + " & setsid sleep " + marker + " & (sleep " + marker + " &); echo started")));
    assertThat(first.result().getSuccess()).isTrue();
    assertThat(processesWith(marker)).as("the datum's processes are gone once it is reported").isEmpty();

    Report next = run(task(List.of("sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '")));
    assertThat(next.lines("stdout")).noneMatch(line -> line.contains(marker));
  }

  @Test
  void failingOrKilledDatumsDoNotBreakTheNext() throws Exception {
    assertThat(run(task(List.of("sh", "-c", "exit 3"))).result().getSuccess()).isFalse();
    assertThat(run(task(List.of("sh", "-c", "kill -KILL $$"))).result().getSuccess()).isFalse();
    assertThat(run(task(List.of("sh", "-c", "kill -KILL -1; exit 9"))).result().getSuccess()).isFalse();
    assertThat(run(task(List.of("no-such-command"))).result().getError()).contains("no-such-command");

    Report fine = run(task(List.of("cp", "/pfs/images/a.txt", "/pfs/out/a"), input("images", "/a.txt", false)));
    assertThat(fine.result().getSuccess()).as(fine.toString()).isTrue();
    assertThat(fine.outputs()).extracting(PutContent::getPath).containsExactly("/a");
  }

  // ---- outputs ----

  @Test
  void storesOutputsWithTheHashesTheDaemonGives() throws Exception {
    Report report = run(task(List.of("sh", "-c",
        "mkdir -p /pfs/out/sub/deeper /pfs/out/emptydir && printf 'one\\n' > /pfs/out/one.txt"
            + " && : > /pfs/out/empty && cp /pfs/images/dir/big.bin /pfs/out/sub/deeper/big.bin"),
        input("images", "/dir", true)));
    assertThat(report.result().getSuccess()).as(report.toString()).isTrue();
    assertThat(report.outputs()).extracting(PutContent::getPath)
        .containsExactly("/empty", "/one.txt", "/sub/deeper/big.bin");

    Map<String, byte[]> expected = new LinkedHashMap<>();
    expected.put("/empty", new byte[0]);
    expected.put("/one.txt", "one\n".getBytes(StandardCharsets.UTF_8));
    expected.put("/sub/deeper/big.bin", big);
    client.createRepo("expected", "", true);
    try (FileUpload upload = client.modifyFile("expected", "master", "")) {
      expected.forEach(upload::put);
      upload.finish();
    }
    for (PutContent put : report.outputs()) {
      FileInfo info = client.inspectFile("expected@master:" + put.getPath());
      assertThat(put.getHash()).as(put.getPath()).isEqualTo(info.getHash());
      assertThat(put.getSizeBytes()).isEqualTo(expected.get(put.getPath()).length);
      assertThat(read(put)).isEqualTo(expected.get(put.getPath()));
    }
    // The daemon takes them as they are: a commit of references only.
    client.createRepo("out", "", true);
    try (FileUpload upload = client.modifyFile("out", "master", "")) {
      for (PutContent put : report.outputs()) {
        upload.putContent(put.getPath(), put.getHash(), put.getSizeBytes(), put.getDataList());
      }
      upload.finish();
    }
    assertThat(client.inspectFile("out@master:/sub/deeper/big.bin").getHash())
        .isEqualTo(client.inspectFile("images@" + commit + ":/dir/big.bin").getHash());
  }

  @Test
  void sixThousandSmallOutputs() throws Exception {
    int files = 6000;
    String write = "head -c " + files * 3072 + " /dev/urandom | split -b 3072 -a 4 - /pfs/out/f";
    // The sandbox alone, writing the files to a local directory: the part that is not the agent's.
    Path local = Files.createDirectories(temp.resolve("six-thousand"));
    ContainerSpec alone = new ContainerSpec("", List.of("sh", "-c", write), List.of(), Map.of(),
        List.of(new ContainerSpec.Bind(local, "/pfs/out", false)), ContainerSpec.Resources.NONE);
    long sandboxStart = System.nanoTime();
    assertThat(runtime.run(alone, (stream, line) -> {}).success()).isTrue();
    long sandbox = System.nanoTime() - sandboxStart;
    // The agent's collection alone, on those files.
    long collectStart = System.nanoTime();
    List<PutContent> collected = new OutputCollector(chunks, client).collect(local, task(List.of("true")));
    long collect = System.nanoTime() - collectStart;
    assertThat(collected).hasSize(files);
    long syncStart = System.nanoTime();
    chunks.sync(); // what one durability barrier costs here, with nothing to sync
    long sync = System.nanoTime() - syncStart;

    long start = System.nanoTime();
    Report report = run(task(List.of("sh", "-c", write)));
    long reported = System.nanoTime();
    assertThat(report.result().getSuccess()).as(report.toString()).isTrue();
    assertThat(report.outputs()).hasSize(files).allMatch(put -> put.getSizeBytes() == 3072);
    assertThat(report.outputMessageBytes()).hasSizeGreaterThan(1).allMatch(bytes -> bytes < 1 << 20);
    client.createRepo("many", "", true);
    try (FileUpload upload = client.modifyFile("many", "master", "")) {
      for (PutContent put : report.outputs()) {
        upload.putContent(put.getPath(), put.getHash(), put.getSizeBytes(), put.getDataList());
      }
      upload.finish();
    }
    long committed = System.nanoTime();
    long chunkIds = report.outputs().stream().flatMap(p -> p.getDataList().stream()).map(r -> r.getChunk()).distinct().count();
    System.out.printf("6000 x 3 KB outputs: the sandbox writing them %d ms; the agent chunking them durably %d ms"
            + " (%d chunks; an empty sync barrier %d ms); the whole datum through the agent %d ms; the daemon committing the references"
            + " %d ms more: %d ms end to end%n",
        ms(sandbox), ms(collect), chunkIds, ms(sync), ms(reported - start), ms(committed - reported), ms(committed - start));
    PutContent some = report.outputs().get(1234);
    assertThat(read(some)).hasSize(3072);
    assertThat(client.inspectFile("many@master:" + some.getPath()).getHash()).isEqualTo(some.getHash());
  }

  @Test
  void aSymlinkToAnInputIsStoredByReference() throws Exception {
    Report report = run(task(List.of("sh", "-c",
        "mkdir /pfs/out/sub && ln -s /pfs/images/dir/big.bin /pfs/out/abs && ln -s ../../images/dir/c.txt /pfs/out/sub/rel"),
        input("images", "/dir", true)));
    assertThat(report.result().getSuccess()).as(report.toString()).isTrue();
    FileInfo bigInfo = client.inspectFile("images@" + commit + ":/dir/big.bin", true);
    FileInfo cInfo = client.inspectFile("images@" + commit + ":/dir/c.txt", true);
    assertThat(report.outputs()).containsExactly(
        PutContent.newBuilder().setPath("/abs").setHash(bigInfo.getHash()).setSizeBytes(300_000)
            .addAllData(bigInfo.getDataList()).build(),
        PutContent.newBuilder().setPath("/sub/rel").setHash(cInfo.getHash()).setSizeBytes(8)
            .addAllData(cInfo.getDataList()).build());
  }

  @Test
  void aSymlinkOutsideTheInputsFailsTheDatum() throws Exception {
    Report report = run(task(List.of("sh", "-c", "echo fine > /pfs/out/ok; ln -s /etc/passwd /pfs/out/pw"),
        input("images", "/a.txt", false)));
    assertThat(report.result().getSuccess()).isFalse();
    assertThat(report.result().getError()).contains("/pfs/out/pw", "/etc/passwd");
    assertThat(report.outputs()).isEmpty();
    assertThat(report.lines("agent")).containsExactly(report.result().getError());
  }

  @Test
  void aSymlinkToAFileOfTheCommitOutsideTheDatumFails() throws Exception {
    Report report = run(task(List.of("ln", "-s", "/pfs/images/b.txt", "/pfs/out/b"), input("images", "/a.txt", false)));
    assertThat(report.result().getSuccess()).isFalse();
    assertThat(report.result().getError()).contains("/pfs/out/b", "not a file of this datum's inputs");
  }

  @Test
  void aFifoFailsTheDatum() throws Exception {
    Report report = run(task(List.of("mkfifo", "/pfs/out/pipe")));
    assertThat(report.result().getSuccess()).isFalse();
    assertThat(report.result().getError()).contains("/pfs/out/pipe", "not a regular file");
  }

  // ---- failures, logs, order ----

  @Test
  void aFailingCommandIsReportedWithItsLogsAndNoOutputs() throws Exception {
    Report report = run(task(List.of("sh", "-c", "echo working; echo oops >&2; echo x > /pfs/out/partial; exit 3")));
    assertThat(report.result().getSuccess()).isFalse();
    assertThat(report.result().getError()).isEqualTo("sh -c echo working; echo oops >&2; echo x > /pfs/out/partial; exit 3"
        + " exited with code 3");
    assertThat(report.lines("stdout")).containsExactly("working");
    assertThat(report.lines("stderr")).containsExactly("oops");
    assertThat(report.lines("agent")).containsExactly("exited with code 3");
    assertThat(report.outputs()).isEmpty();
    awaitNoDatumDirectories();
  }

  @Test
  void boundsTheLogOfADatum() throws Exception {
    Report report = run(task(List.of("seq", "1", "25000")));
    assertThat(report.lines("stdout")).hasSize(DatumLogs.MAX_LINES).endsWith("10000");
    assertThat(report.lines("agent")).singleElement().asString().startsWith("dropped 15000 more lines (");
  }

  @Test
  void queuedTasksRunInOrder() throws Exception {
    List<DatumTask> tasks = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      tasks.add(task(List.of("sh", "-c", "sleep 0.2; echo " + "$TUSK_DATUM_ID > /pfs/out/id")));
    }
    tasks.forEach(session::send);
    for (DatumTask task : tasks) {
      Report report = session.awaitReport(WAIT);
      assertThat(report.result().getDatum()).isEqualTo(task.getDatum());
      assertThat(report.outputs()).singleElement().extracting(PutContent::getSizeBytes).isEqualTo(33L);
    }
    awaitNoDatumDirectories();
  }

  @Test
  void aRerunBehavesTheSame() throws Exception {
    DatumTask task = task(List.of("cp", "/pfs/images/a.txt", "/pfs/out/a"), input("images", "/a.txt", false));
    Report first = run(task);
    Report again = run(task.toBuilder().setRerun(true).build());
    assertThat(again.outputs()).isEqualTo(first.outputs());
  }

  // ---- the stream ----

  @Test
  void stopsWhenTheDaemonEndsTheStream() throws Exception {
    session.complete();
    running.get(30, TimeUnit.SECONDS); // returns normally
    assertThat(mounted(workDir.resolve("pfs"))).isFalse();
  }

  @Test
  void failsWhenTheStreamBreaks() throws Exception {
    session.fail();
    assertThatThrownBy(() -> running.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("The work stream broke: UNAVAILABLE");
    assertThat(mounted(workDir.resolve("pfs"))).isFalse();
  }

  @Test
  void aBrokenStreamKillsTheRunningDatumAndItsSandbox() throws Exception {
    String marker = "31337" + System.nanoTime() % 1000;
    DatumTask task = task(List.of("sh", "-c", "echo started; sleep " + marker + " & sleep " + marker + "; wait"));
    session.send(task);
    WorkerMessage first = session.next(WAIT);
    assertThat(first.getLog().getMessage()).isEqualTo("started");
    assertThat(processesWith(marker)).as("the datum's processes run").isNotEmpty();
    long start = System.nanoTime();
    session.fail();
    assertThatThrownBy(() -> running.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
    System.out.printf("Broken stream to agent stopped: %d ms%n", ms(System.nanoTime() - start));
    assertThat(processesWith(marker)).as("no process of the datum is left").isEmpty();
    assertThat(processesWith(workDir.toString())).as("no sandbox of this agent is left")
        .noneMatch(pid -> ProcessHandle.of(pid).flatMap(p -> p.info().command()).orElse("").endsWith("bwrap"));
    assertThat(workDir.resolve("datums")).isEmptyDirectory();
    assertThat(session.drained()).noneMatch(WorkerMessage::hasResult);
  }

  @Test
  void closingTheAgentKillsTheRunningDatum() throws Exception {
    String marker = "41337" + System.nanoTime() % 1000;
    session.send(task(List.of("sh", "-c", "echo started; exec sleep " + marker)));
    assertThat(session.next(WAIT).getLog().getMessage()).isEqualTo("started");
    agent.close();
    assertThatThrownBy(() -> running.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
    assertThat(processesWith(marker)).isEmpty();
    assertThat(mounted(workDir.resolve("pfs"))).isFalse();
  }

  // ---- speed ----

  @Test
  void perDatumOverhead() throws Exception {
    ContainerSpec bare = new ContainerSpec("", List.of("true"), List.of(), Map.of(),
        List.of(new ContainerSpec.Bind(Files.createDirectories(temp.resolve("bare")), "/pfs/out", false)),
        ContainerSpec.Resources.NONE);
    int n = 200;
    for (int i = 0; i < 20; i++) {
      runtime.run(bare, (stream, line) -> {}); // warm up
    }
    long bareStart = System.nanoTime();
    for (int i = 0; i < n; i++) {
      runtime.run(bare, (stream, line) -> {});
    }
    double bareMs = (System.nanoTime() - bareStart) / 1e6 / n;
    for (int i = 0; i < 20; i++) {
      run(task(List.of("sh", "-c", "cat /pfs/images/a.txt > /pfs/out/a"), input("images", "/a.txt", false)));
    }

    // One at a time, each reading an input file and writing an output file (chunked, made durable).
    runtime.runNanos.reset();
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      Report report = run(task(List.of("sh", "-c", "cat /pfs/images/a.txt > /pfs/out/a"), input("images", "/a.txt", false)));
      assertThat(report.result().getSuccess()).isTrue();
    }
    double oneMs = (System.nanoTime() - start) / 1e6 / n;
    double oneContainerMs = runtime.runNanos.sum() / 1e6 / n;

    // Queued, as the daemon sends them when datums wait: 'true' with an input and no outputs.
    runtime.runNanos.reset();
    start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      session.send(task(List.of("true"), input("images", "/a.txt", false)));
    }
    for (int i = 0; i < n; i++) {
      assertThat(session.awaitReport(WAIT).result().getSuccess()).isTrue();
    }
    double queuedMs = (System.nanoTime() - start) / 1e6 / n;
    double queuedContainerMs = runtime.runNanos.sum() / 1e6 / n;
    // Two agents of the pipeline at once, each with its own mount and stream.
    try (TestWorkerServer secondWorker = new TestWorkerServer();
        TestBubblewrapRuntime secondRuntime = new TestBubblewrapRuntime();
        PipelineAgent second = new PipelineAgent(
            new AgentConfig("edges", "edges-1", Files.createTempDirectory(temp, "agent-"), true),
            secondWorker.routing(pfs), chunks, secondRuntime)) {
      Thread thread = new Thread(() -> {
        try {
          second.run();
        } catch (Exception e) {
          // closed at the end of the test
        }
      }, "second-agent");
      thread.start();
      Session secondSession = secondWorker.awaitSession();
      start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        session.send(task(List.of("true"), input("images", "/a.txt", false)));
        secondSession.send(task(List.of("true"), input("images", "/a.txt", false)));
      }
      for (int i = 0; i < n; i++) {
        assertThat(session.awaitReport(WAIT).result().getSuccess()).isTrue();
        assertThat(secondSession.awaitReport(WAIT).result().getSuccess()).isTrue();
      }
      double twoAgentsPerSecond = 2 * n / ((System.nanoTime() - start) / 1e9);
      System.out.printf("Per datum (%d each; load average %s): bare sandbox 'bwrap true' %.1f ms."
              + " One at a time, cat input > output: %.1f ms, of which %.1f ms in the sandbox, agent %.1f ms."
              + " Queued 'true': %.1f ms, of which %.1f ms in the sandbox, agent %.1f ms (%.0f datums/s per agent);"
              + " two agents: %.0f datums/s%n",
          n, Files.readString(Path.of("/proc/loadavg")).split(" ")[0], bareMs,
          oneMs, oneContainerMs, oneMs - oneContainerMs, queuedMs, queuedContainerMs, queuedMs - queuedContainerMs,
          1000 / queuedMs, twoAgentsPerSecond);
    }
  }

  // ---- helpers ----

  private Report run(DatumTask task) throws Exception {
    session.send(task);
    Report report = session.awaitReport(WAIT);
    assertThat(report.result().getDatum()).isEqualTo(task.getDatum());
    return report;
  }

  private DatumTask task(List<String> cmd, DatumInput... inputs) {
    DatumTask.Builder task = DatumTask.newBuilder()
        .setJob(JOB)
        .setDatum(String.format("%032x", ++datums))
        .setOutputCommit(OUTPUT_COMMIT)
        .setPipeline("edges")
        .setPipelineVersion(1)
        .setTransform(Transform.newBuilder().addAllCmd(cmd));
    for (DatumInput input : inputs) {
      task.addInputs(input);
      if (!task.getInputNamesList().contains(input.getName())) {
        task.addInputNames(input.getName());
      }
    }
    return task.build();
  }

  private static DatumInput input(String name, String path, boolean directory) {
    return DatumInput.newBuilder()
        .setName(name)
        .setRepo("images")
        .setBranch("master")
        .setCommit(commit)
        .setPath(path)
        .setDirectory(directory)
        .build();
  }

  private static byte[] read(PutContent put) throws IOException {
    List<DataRef> refs = new ArrayList<>();
    for (dev.tusk.api.v1.DataRef ref : put.getDataList()) {
      refs.add(new DataRef(ChunkId.fromDigest(ref.getChunk().toByteArray()), ref.getOffset(), ref.getLength()));
    }
    try (var in = chunks.reader(new FileContent(put.getHash(), put.getSizeBytes(), refs)).stream()) {
      return in.readAllBytes();
    }
  }

  /** The agent deletes a datum's directory right after reporting it. */
  private void awaitNoDatumDirectories() throws Exception {
    Path dir = workDir.resolve("datums");
    for (int i = 0; i < 100; i++) {
      try (Stream<Path> left = Files.list(dir)) {
        if (left.findAny().isEmpty()) {
          return;
        }
      }
      Thread.sleep(20);
    }
    assertThat(dir).isEmptyDirectory();
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  private static boolean mounted(Path dir) throws IOException {
    String target = dir.toAbsolutePath().toString();
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .anyMatch(line -> line.split(" ")[4].equals(target));
  }

  /** Pids of processes whose command line contains {@code text}, other than this JVM. */
  private static List<Long> processesWith(String text) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.pid() != ProcessHandle.current().pid())
        .filter(p -> p.info().commandLine().orElse("").contains(text))
        .map(ProcessHandle::pid)
        .toList();
  }
}
