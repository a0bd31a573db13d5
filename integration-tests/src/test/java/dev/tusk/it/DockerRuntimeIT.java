package dev.tusk.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.container.ContainerSpec;
import dev.tusk.container.ContainerSpec.Bind;
import dev.tusk.container.ContainerSpec.Resources;
import dev.tusk.container.DockerRuntime;
import dev.tusk.container.ExitStatus;
import dev.tusk.container.LogSink;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The Docker runtime against a real engine, through {@link DockerEngine}. */
@ExtendWith(DockerEngine.Extension.class)
@Timeout(120)
class DockerRuntimeIT {
  private static final Duration DOCKER_TIMEOUT = Duration.ofSeconds(30);
  // DockerRuntime names its containers so; DockerEngine's own are tusk-it-...
  private static final String CONTAINER_NAME = "tusk-[0-9a-f]{16}";

  private final DockerEngine engine;
  private final DockerRuntime runtime;
  private final List<String> stdout = new CopyOnWriteArrayList<>();
  private final List<String> stderr = new CopyOnWriteArrayList<>();
  private final LogSink sink =
      (stream, line) -> (stream == LogSink.Stream.STDOUT ? stdout : stderr).add(line);
  @TempDir Path dir;

  DockerRuntimeIT(DockerEngine engine) {
    this.engine = engine;
    this.runtime = new DockerRuntime(dockerOnPath(), Map.of("DOCKER_HOST", engine.host()));
  }

  private static Path dockerOnPath() {
    return Arrays.stream(System.getenv("PATH").split(File.pathSeparator))
        .map(d -> Path.of(d, "docker"))
        .filter(Files::isExecutable)
        .findFirst()
        .orElseThrow();
  }

  private static ContainerSpec spec(String... command) {
    return spec(Map.of(), List.of(), List.of(command));
  }

  private static ContainerSpec spec(
      Map<String, String> env, List<Bind> binds, List<String> command) {
    return new ContainerSpec(DockerEngine.IMAGE, command, List.of(), env, binds, Resources.NONE);
  }

  @Test
  void theEngineIsAvailable() throws Exception {
    assertThat(runtime.available()).isTrue();
    DockerRuntime nowhere =
        new DockerRuntime(
            dockerOnPath(), Map.of("DOCKER_HOST", "unix://" + dir.resolve("none.sock")));
    assertThat(nowhere.available()).isFalse();
  }

  @Test
  void exitCodeAndOutputLinesComeBack() throws Exception {
    ExitStatus status = runtime.run(spec("sh", "-c", "echo out; echo err >&2; exit 3"), sink);

    assertThat(status.code()).isEqualTo(3);
    assertThat(stdout).containsExactly("out");
    assertThat(stderr).containsExactly("err");
  }

  @Test
  void stdinLinesAreFedThenClosed() throws Exception {
    ContainerSpec spec =
        new ContainerSpec(
            DockerEngine.IMAGE,
            List.of("cat"),
            List.of("a", "b c"),
            Map.of(),
            List.of(),
            Resources.NONE);

    assertThat(runtime.run(spec, sink).success()).isTrue();
    assertThat(stdout).containsExactly("a", "b c");
  }

  @Test
  void theEnvironmentIsTheImagesAndTheSpecs() throws Exception {
    ExitStatus status =
        runtime.run(spec(Map.of("A", "1", "B", "x=y z"), List.of(), List.of("env")), sink);

    assertThat(status.success()).isTrue();
    assertThat(stdout)
        .contains("A=1", "B=x=y z", "PATH=/usr/sbin:/usr/bin:/sbin:/bin")
        .noneMatch(line -> line.startsWith("DOCKER_HOST="));
  }

  @Test
  void theSpecsCommandReplacesTheEntrypoint() throws Exception {
    runtime.run(spec("echo", "-n", "exactly"), sink);

    assertThat(stdout).containsExactly("exactly");
  }

  @Test
  void aReadOnlyBindRefusesWrites() throws Exception {
    Path input = Files.createDirectories(dir.resolve("in"));
    Files.writeString(input.resolve("f"), "original");
    Bind bind = new Bind(input, "/pfs/in", true);

    ExitStatus status =
        runtime.run(
            spec(
                Map.of(),
                List.of(bind),
                List.of("sh", "-c", "cat /pfs/in/f; echo; echo changed > /pfs/in/f")),
            sink);

    assertThat(status.success()).isFalse();
    assertThat(stdout).containsExactly("original");
    assertThat(stderr).anyMatch(line -> line.contains("Read-only file system"));
    assertThat(input.resolve("f")).hasContent("original");
  }

  @Test
  void aReadWriteBindWithCommasAndColonsShowsWritesOnTheHost() throws Exception {
    Path output = Files.createDirectories(dir.resolve("out@master, part:2"));
    Bind bind = new Bind(output, "/pfs/out", false);

    ExitStatus status =
        runtime.run(
            spec(Map.of(), List.of(bind), List.of("sh", "-c", "echo written > /pfs/out/f")), sink);

    assertThat(status.success()).as("%s %s", status, stderr).isTrue();
    assertThat(output.resolve("f")).hasContent("written");
  }

  @Test
  void aSingleFileCanBeBound() throws Exception {
    Path file = Files.writeString(dir.resolve("config.json"), "{}\n");

    runtime.run(
        spec(
            Map.of(),
            List.of(new Bind(file, "/pfs/config.json", true)),
            List.of("cat", "/pfs/config.json")),
        sink);

    assertThat(stdout).containsExactly("{}");
  }

  @Test
  void theOnlyNetworkInterfaceIsLoopback() throws Exception {
    runtime.run(spec("cat", "/proc/net/dev"), sink);

    // Two header lines, then one line per interface.
    assertThat(stdout).hasSize(3);
    assertThat(stdout.get(2).strip()).startsWith("lo:");
  }

  @Test
  void capabilitiesAreDropped() throws Exception {
    runtime.run(spec("grep", "^Cap", "/proc/self/status"), sink);

    assertThat(stdout).contains("CapEff:\t0000000000000000", "CapBnd:\t0000000000000000");
  }

  @Test
  void aMissingCommandExitsWith127() throws Exception {
    ExitStatus status = runtime.run(spec("tusk-no-such-command"), sink);

    assertThat(status.code()).isEqualTo(127);
    assertThat(status.description()).isEqualTo("command not found: tusk-no-such-command");
  }

  @Test
  void aMissingImageIsAnIOExceptionNamingIt() {
    ContainerSpec spec =
        new ContainerSpec(
            "tusk-test/no-such-image:0",
            List.of("true"),
            List.of(),
            Map.of(),
            List.of(),
            Resources.NONE);

    assertThatThrownBy(() -> runtime.run(spec, sink))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("tusk-test/no-such-image:0")
        .hasMessageContaining("No such image");
  }

  @Test
  void interruptKillsAndRemovesTheContainer() throws Exception {
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread caller =
        new Thread(
            () -> {
              try {
                runtime.run(spec("sleep", "1000"), sink);
              } catch (Throwable t) {
                thrown.set(t);
              }
            });
    caller.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (containers(false).isEmpty()) {
      assertThat(System.nanoTime()).as("the container did not start in 60 s").isLessThan(deadline);
      Thread.sleep(100);
    }

    long start = System.nanoTime();
    caller.interrupt();
    caller.join(30_000);

    assertThat(caller.isAlive()).isFalse();
    assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(10_000);
    assertThat(containers(true)).isEmpty();
  }

  /** The names of this runtime's containers, running or (with {@code all}) any. */
  private List<String> containers(boolean all) throws IOException, InterruptedException {
    List<String> args =
        all
            ? List.of("ps", "--all", "--format", "{{.Names}}")
            : List.of("ps", "--format", "{{.Names}}");
    DockerEngine.Result ps = engine.docker(DOCKER_TIMEOUT, args);
    assertThat(ps.exitCode()).as("%s", ps).isZero();
    return ps.stdoutUtf8().lines().filter(name -> name.matches(CONTAINER_NAME)).toList();
  }
}
