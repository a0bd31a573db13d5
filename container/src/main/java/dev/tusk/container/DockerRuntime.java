package dev.tusk.container;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs commands in Docker containers through the {@code docker} command line, one {@code docker run
 * --rm} per run, with images that must already be present: nothing is pulled.
 *
 * <p>A container has no network ({@code --network none}), no capabilities ({@code --cap-drop ALL}:
 * it runs as the image's user, usually root, but cannot chown, bind low ports or override file
 * permissions), and cannot gain privileges through setuid programs ({@code no-new-privileges}). The
 * spec's command replaces the image's entrypoint and command. The environment is the image's plus
 * the spec's; the working directory is the image's. Binds keep their order and become {@code
 * --mount} options, so paths may hold commas and colons. CPU, memory (with no swap on top) and a
 * GPU count are passed on when set; GPUs need the NVIDIA container toolkit on the engine's host.
 *
 * <p>Docker keeps no log of the container ({@code --log-driver none}): its output reaches the
 * {@link LogSink} through the attached client, and nowhere else.
 */
public final class DockerRuntime implements ContainerRuntime {
  private static final Path DEFAULT_DOCKER = Path.of("/usr/bin/docker");
  private static final long COMMAND_MILLIS = 10_000;
  private static final long AVAILABLE_MILLIS = 5_000;
  private static final int KILL_ATTEMPTS = 10;
  // docker run exits with these when it fails itself, and says why on a "docker: ..." line.
  private static final int DOCKER_FAILED = 125;
  private static final int CANNOT_EXECUTE = 126;
  private static final int NOT_FOUND = 127;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path docker;
  private final Map<String, String> environment;

  /** Uses the {@code docker} on the JVM's PATH and its environment ({@code DOCKER_HOST}...). */
  public DockerRuntime() {
    this(ProcessRun.onPath("docker", DEFAULT_DOCKER), Map.of());
  }

  /**
   * @param dockerBinary the {@code docker} command line client
   * @param environment set for the client on top of the JVM's environment, e.g. {@code
   *     DOCKER_HOST=unix:///run/tusk/docker.sock}
   */
  public DockerRuntime(Path dockerBinary, Map<String, String> environment) {
    this.docker = dockerBinary;
    this.environment = Map.copyOf(environment);
  }

  @Override
  public String name() {
    return "docker";
  }

  /** True when the engine answers {@code docker version} within a few seconds. */
  public boolean available() throws InterruptedException {
    try {
      return Files.isExecutable(docker)
          && docker(AVAILABLE_MILLIS, "version", "--format", "{{.Server.Version}}") == 0;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public ExitStatus run(ContainerSpec spec, LogSink logs) throws IOException, InterruptedException {
    if (!Files.isExecutable(docker)) {
      throw new IOException(
          "Docker is not installed: no executable " + docker + " (apt install docker.io)");
    }
    String name = "tusk-" + HexFormat.of().formatHex(randomBytes());
    ProcessRun.Outcome outcome =
        ProcessRun.run(
            client(command(spec, name)),
            "docker",
            spec.stdin(),
            logs,
            client -> stop(name, client));
    String dockerError =
        outcome.stderrTail().stream().filter(l -> l.startsWith("docker: ")).findFirst().orElse("");
    if (dockerError.isEmpty()) {
      return ExitStatus.of(outcome.exitCode());
    }
    String program = spec.command().get(0);
    return switch (outcome.exitCode()) {
      case DOCKER_FAILED -> throw failure(spec, name, dockerError);
      case CANNOT_EXECUTE -> new ExitStatus(CANNOT_EXECUTE, "cannot execute " + program);
      case NOT_FOUND -> new ExitStatus(NOT_FOUND, "command not found: " + program);
      default -> ExitStatus.of(outcome.exitCode());
    };
  }

  /** The {@code docker run} command line for {@code spec}, naming the container {@code name}. */
  List<String> command(ContainerSpec spec, String name) {
    if (spec.image().isEmpty()) {
      throw new IllegalArgumentException(
          "The docker runtime needs an image to run " + spec.command());
    }
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            docker.toString(),
            "run",
            "--rm",
            "--name",
            name,
            "--interactive",
            "--pull",
            "never",
            "--network",
            "none",
            "--cap-drop",
            "ALL",
            "--security-opt",
            "no-new-privileges",
            "--log-driver",
            "none"));
    ContainerSpec.Resources resources = spec.resources();
    if (resources.cpu() > 0) {
      args.addAll(List.of("--cpus", BigDecimal.valueOf(resources.cpu()).toPlainString()));
    }
    if (resources.memoryBytes() > 0) {
      String bytes = Long.toString(resources.memoryBytes());
      args.addAll(List.of("--memory", bytes, "--memory-swap", bytes));
    }
    if (resources.gpu() > 0) {
      args.addAll(List.of("--gpus", Integer.toString(resources.gpu())));
    }
    for (ContainerSpec.Bind bind : spec.binds()) {
      args.addAll(List.of("--mount", mount(bind)));
    }
    new TreeMap<>(spec.env())
        .forEach((key, value) -> args.addAll(List.of("--env", key + "=" + value)));
    List<String> command = spec.command();
    args.addAll(List.of("--entrypoint", command.get(0), spec.image()));
    args.addAll(command.subList(1, command.size()));
    return args;
  }

  /**
   * A {@code --mount} value: CSV, so the paths are quoted fields. No propagation is set: a bind
   * shows what is mounted at its source when the container starts, FUSE mounts included, and {@code
   * rslave} would be refused where the source's mount is private (as in containers).
   */
  private static String mount(ContainerSpec.Bind bind) {
    String source = bind.source().toAbsolutePath().toString();
    if (source.indexOf('\n') >= 0 || bind.target().indexOf('\n') >= 0) {
      throw new IllegalArgumentException("Docker cannot bind a path with a newline: " + bind);
    }
    return "type=bind,"
        + quoted("source=" + source)
        + ","
        + quoted("target=" + bind.target())
        + (bind.readOnly() ? ",readonly" : "");
  }

  private static String quoted(String field) {
    return "\"" + field.replace("\"", "\"\"") + "\"";
  }

  private static IOException failure(ContainerSpec spec, String name, String line) {
    if (line.contains("No such image")) {
      return new IOException(
          "Docker image "
              + spec.image()
              + " is not present on the engine (Tusk does not pull): "
              + line);
    }
    return new IOException(
        "Docker could not run container " + name + " of " + spec.image() + ": " + line);
  }

  /**
   * Kills the container, then waits for the client. Killing the client alone would leave the
   * container running; an interrupt that comes before the container exists needs another kill.
   */
  private void stop(String name, Process client) throws IOException, InterruptedException {
    for (int i = 0; i < KILL_ATTEMPTS && client.isAlive(); i++) {
      docker(COMMAND_MILLIS, "kill", name);
      client.waitFor(1, TimeUnit.SECONDS);
    }
    // A client killed between create and start leaves a created container, which --rm never
    // removes. Removing one already on its way out fails harmlessly.
    client.destroyForcibly().waitFor(COMMAND_MILLIS, TimeUnit.MILLISECONDS);
    docker(COMMAND_MILLIS, "rm", "--force", name);
  }

  /** Runs a docker command with no output, killing it after {@code millis}; its exit code. */
  private int docker(long millis, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(docker.toString()));
    command.addAll(List.of(args));
    Process process =
        client(command)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      if (!process.waitFor(millis, TimeUnit.MILLISECONDS)) {
        throw new IOException(
            String.join(" ", command) + " did not finish within " + millis + " ms");
      }
      return process.exitValue();
    } finally {
      process.destroyForcibly();
    }
  }

  private ProcessBuilder client(List<String> command) {
    ProcessBuilder builder = new ProcessBuilder(command);
    if (environment.containsKey("DOCKER_HOST")) {
      // A context would name another engine; the host given here wins.
      builder.environment().remove("DOCKER_CONTEXT");
    }
    builder.environment().putAll(environment);
    return builder;
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  @Override
  public String toString() {
    return "DockerRuntime[" + docker + ", " + new TreeMap<>(environment) + "]";
  }
}
