package dev.tusk.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.container.ContainerSpec.Bind;
import dev.tusk.container.ContainerSpec.Resources;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The bubblewrap runtime against the real {@code bwrap}: what a command sees and gets back. */
@Timeout(60)
class BubblewrapRuntimeTest {
  final BubblewrapRuntime runtime = new BubblewrapRuntime();
  final RecordingSink sink = new RecordingSink();
  @TempDir Path dir;

  @BeforeAll
  static void requireBubblewrap() {
    Path bwrap = ProcessRun.onPath("bwrap", Path.of("/usr/bin/bwrap"));
    if (Files.isExecutable(bwrap)) {
      return;
    }
    String ci = System.getenv("CI");
    if (ci != null && !ci.isEmpty() && !ci.equalsIgnoreCase("false")) {
      throw new IllegalStateException("bubblewrap is required under CI (apt install bubblewrap)");
    }
    Assumptions.abort("bubblewrap is not installed (apt install bubblewrap)");
  }

  private static ContainerSpec spec(String... command) {
    return spec(List.of(), List.of(command));
  }

  private static ContainerSpec spec(List<Bind> binds, List<String> command) {
    return new ContainerSpec("", command, List.of(), Map.of(), binds, Resources.NONE);
  }

  /** Runs {@code spec} as the runtime does; {@link BubblewrapSessionRuntimeTest} in a session. */
  ExitStatus run(ContainerSpec spec) throws IOException, InterruptedException {
    return runtime.run(spec, sink);
  }

  @Test
  void exitCodeIsTheCommands() throws Exception {
    ExitStatus status = run(spec("sh", "-c", "exit 3"));

    assertThat(status.code()).isEqualTo(3);
    assertThat(status.success()).isFalse();
    assertThat(status.description()).isEqualTo("exited with code 3");
  }

  @Test
  void aCommandKilledBySignalExitsWith128PlusTheSignal() throws Exception {
    assertThat(run(spec("sh", "-c", "kill -KILL $$")).code()).isEqualTo(128 + 9);
  }

  @Test
  void stdoutAndStderrLinesReachTheSink() throws Exception {
    ExitStatus status = run(spec("sh", "-c", "echo one; echo two >&2; printf 'three\\nfour'"));

    assertThat(status.success()).isTrue();
    assertThat(sink.stdout()).containsExactly("one", "three", "four");
    assertThat(sink.stderr()).containsExactly("two");
  }

  @Test
  void stdinLinesAreFedThenClosed() throws Exception {
    ContainerSpec spec =
        new ContainerSpec(
            "", List.of("cat"), List.of("a", "b c"), Map.of(), List.of(), Resources.NONE);

    assertThat(run(spec).success()).isTrue();
    assertThat(sink.stdout()).containsExactly("a", "b c");
  }

  @Test
  void withoutStdinTheCommandReadsEndOfFile() throws Exception {
    assertThat(run(spec("cat")).success()).isTrue();
    assertThat(sink.stdout()).isEmpty();
  }

  @Test
  void environmentIsTheDefaultsAndTheSpecsOnly() throws Exception {
    // Surefire sets TUSK_TEST_HOST_ONLY for this JVM (see pom.xml).
    assertThat(System.getenv("TUSK_TEST_HOST_ONLY")).isNotNull();
    ContainerSpec spec =
        new ContainerSpec(
            "",
            List.of("env"),
            List.of(),
            Map.of("A", "1", "B", "x=y z"),
            List.of(),
            Resources.NONE);

    assertThat(run(spec).success()).isTrue();
    assertThat(sink.stdout())
        .containsExactlyInAnyOrder(
            "A=1", "B=x=y z", "HOME=/tmp", "PATH=/usr/local/bin:/usr/bin:/bin", "PWD=/");
  }

  @Test
  void theSpecMayOverrideTheDefaultPath() throws Exception {
    ContainerSpec spec =
        new ContainerSpec(
            "",
            List.of("/usr/bin/env"),
            List.of(),
            Map.of("PATH", "/opt/bin"),
            List.of(),
            Resources.NONE);

    run(spec);
    assertThat(sink.stdout())
        .contains("PATH=/opt/bin")
        .doesNotContain("PATH=/usr/local/bin:/usr/bin:/bin");
  }

  @Test
  void noNetworkReachesTheHost() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      server.setSoTimeout(200);
      String connect = "exec 3<>/dev/tcp/127.0.0.1/" + server.getLocalPort();

      ExitStatus status = run(spec("bash", "-c", connect));

      assertThat(status.success()).isFalse();
      assertThat(sink.stderr()).anyMatch(line -> line.contains("Connection refused"));
      assertThatThrownBy(server::accept).isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void theOnlyNetworkInterfaceIsLoopback() throws Exception {
    run(spec("cat", "/proc/net/dev"));

    // Two header lines, then one line per interface.
    assertThat(sink.stdout()).hasSize(3);
    assertThat(sink.stdout().get(2).strip()).startsWith("lo:");
  }

  @Test
  void capabilitiesAreDropped() throws Exception {
    run(spec("grep", "^Cap", "/proc/self/status"));

    assertThat(sink.stdout())
        .contains(
            "CapEff:\t0000000000000000", "CapPrm:\t0000000000000000", "CapBnd:\t0000000000000000");
  }

  @Test
  void onlyTheSystemDirectoriesOfTheHostAreVisible() throws Exception {
    Files.writeString(dir.resolve("host-file"), "x");

    run(spec("ls", "-A", "/", "/tmp"));

    assertThat(sink.stdout())
        .doesNotContain(
            "root", "home", "work", "var", "opt", "mnt", "sys", "run", "srv", "host-file")
        .contains("usr", "etc", "bin", "proc", "dev", "tmp");
  }

  @Test
  void usrIsReadableButNotWritable() throws Exception {
    ExitStatus status = run(spec("sh", "-c", "test -r /usr/bin/env && touch /usr/bin/tusk-test"));

    assertThat(status.success()).isFalse();
    assertThat(sink.stderr()).anyMatch(line -> line.contains("Read-only file system"));
    assertThat(Path.of("/usr/bin/tusk-test")).doesNotExist();
  }

  @Test
  void shadowFilesCannotBeRead() throws Exception {
    Assumptions.assumeTrue(Files.exists(Path.of("/etc/shadow")), "no /etc/shadow here");

    assertThat(run(spec("cat", "/etc/shadow", "/etc/hostname")).success()).isFalse();
    assertThat(sink.stderr()).containsExactly("cat: /etc/shadow: Permission denied");
    assertThat(sink.stdout())
        .containsExactlyElementsOf(Files.readAllLines(Path.of("/etc/hostname")));
  }

  @Test
  void aReadOnlyBindRefusesWrites() throws Exception {
    Path input = Files.createDirectories(dir.resolve("in"));
    Files.writeString(input.resolve("f"), "original");
    Bind bind = new Bind(input, "/pfs/in", true);

    ExitStatus status =
        run(spec(List.of(bind), List.of("sh", "-c", "cat in/f; echo changed > in/f")));

    assertThat(status.success()).isFalse();
    assertThat(sink.stdout()).containsExactly("original");
    assertThat(sink.stderr()).anyMatch(line -> line.contains("Read-only file system"));
    assertThat(input.resolve("f")).hasContent("original");
  }

  @Test
  void aReadWriteBindShowsWritesOnTheHost() throws Exception {
    Path output = Files.createDirectories(dir.resolve("out"));
    Bind bind = new Bind(output, "/pfs/out", false);

    ExitStatus status =
        run(spec(List.of(bind), List.of("sh", "-c", "pwd; echo written > out/f; mkdir out/d")));

    assertThat(status.success()).isTrue();
    assertThat(sink.stdout()).containsExactly("/pfs");
    assertThat(output.resolve("f")).hasContent("written");
    assertThat(output.resolve("d")).isDirectory();
  }

  @Test
  void withoutBindsUnderPfsTheWorkingDirectoryIsRoot() throws Exception {
    Bind bind = new Bind(Files.createDirectories(dir.resolve("data")), "/data", true);

    run(spec(List.of(bind), List.of("pwd")));

    assertThat(sink.stdout()).containsExactly("/");
  }

  @Test
  void aSingleFileCanBeBound() throws Exception {
    Path file = Files.writeString(dir.resolve("config.json"), "{\"a\": 1}\n");
    Bind bind = new Bind(file, "/pfs/config/config.json", true);

    ExitStatus status = run(spec(List.of(bind), List.of("cat", "/pfs/config/config.json")));

    assertThat(status.success()).isTrue();
    assertThat(sink.stdout()).containsExactly("{\"a\": 1}");
  }

  @Test
  void laterBindsMayLieInsideEarlierOnes() throws Exception {
    Path outer = Files.createDirectories(dir.resolve("outer"));
    Path inner = Files.createDirectories(dir.resolve("inner"));
    Files.writeString(inner.resolve("f"), "inner");
    List<Bind> binds = List.of(new Bind(outer, "/pfs", false), new Bind(inner, "/pfs/in", true));

    run(spec(binds, List.of("sh", "-c", "cat in/f; echo > out")));

    assertThat(sink.stdout()).containsExactly("inner");
    assertThat(outer.resolve("out")).exists();
  }

  @Test
  void aMissingBindSourceFailsToStart() {
    Bind bind = new Bind(dir.resolve("missing"), "/pfs/in", true);

    assertThatThrownBy(() -> run(spec(List.of(bind), List.of("true"))))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("missing");
  }

  @Test
  void aMissingCommandExitsWith127() throws Exception {
    ExitStatus status = run(spec("tusk-no-such-command", "arg"));

    assertThat(status.code()).isEqualTo(127);
    assertThat(status.description()).contains("tusk-no-such-command");
  }

  @Test
  void aCommandThatIsNotExecutableExitsWith126() throws Exception {
    Path script = Files.writeString(dir.resolve("script"), "#!/bin/sh\n");
    Bind bind = new Bind(script, "/pfs/script", true);

    assertThat(run(spec(List.of(bind), List.of("/pfs/script"))).code()).isEqualTo(126);
  }

  @Test
  void aLongLineArrivesInPiecesOf64KiB() throws Exception {
    run(spec("sh", "-c", "head -c 200000 /dev/zero | tr '\\0' a; echo; echo next"));

    assertThat(sink.stdout())
        .extracting(String::length)
        .containsExactly(65536, 65536, 65536, 3392, 4);
  }

  @Test
  void bytesThatAreNotUtf8BecomeReplacementCharacters() throws Exception {
    run(spec("printf", "caf\\303\\251 \\377\\n"));

    assertThat(sink.stdout()).containsExactly("café \uFFFD");
  }

  @Test
  void interruptKillsTheSandboxAndEverythingInIt() throws Exception {
    // A duration no other process uses, to find the command among the host's processes.
    String duration = "1000." + ThreadLocalRandom.current().nextInt(1_000_000, 10_000_000);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread caller =
        new Thread(
            () -> {
              try {
                run(spec("sh", "-c", "sleep " + duration + " & sleep " + duration));
              } catch (Throwable t) {
                thrown.set(t);
              }
            });
    caller.start();
    awaitProcesses(duration, 2);

    long start = System.nanoTime();
    caller.interrupt();
    caller.join(10_000);

    assertThat(caller.isAlive()).isFalse();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2_000);
    assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    assertThat(processesRunning(duration)).isEmpty();
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive))
        .noneMatch(p -> p.info().command().orElse("").endsWith("bwrap"));
  }

  @Test
  void anInterruptedCallerDoesNotStartTheSandbox() {
    Thread.currentThread().interrupt();

    assertThatThrownBy(() -> run(spec("true"))).isInstanceOf(InterruptedException.class);
  }

  @Test
  void aGpuWithoutNvidiaDevicesFailsToStart() throws Exception {
    try (var devices = Files.list(Path.of("/dev"))) {
      Assumptions.assumeTrue(
          devices.noneMatch(d -> d.getFileName().toString().startsWith("nvidia")), "has GPUs");
    }
    ContainerSpec spec =
        new ContainerSpec(
            "", List.of("true"), List.of(), Map.of(), List.of(), new Resources(0, 0, 1));

    assertThatThrownBy(() -> run(spec))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("/dev/nvidia");
  }

  @Test
  void aMissingBwrapIsAnIOExceptionNamingThePackage() {
    BubblewrapRuntime missing = new BubblewrapRuntime(dir.resolve("bwrap"));

    assertThatThrownBy(() -> missing.run(spec("true"), sink))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("apt install bubblewrap");
  }

  private static void awaitProcesses(String marker, int count) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (processesRunning(marker).size() < count) {
      assertThat(System.nanoTime()).as("sleep did not start within 10 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  /** Host processes whose command line holds {@code marker}, including those in namespaces. */
  private static List<ProcessHandle> processesRunning(String marker) {
    return ProcessHandle.allProcesses()
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().arguments().map(a -> List.of(a).contains(marker)).orElse(false))
        .toList();
  }
}
