package dev.tusk.fsd.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Starts each agent as a JVM on this machine, from the daemon's own class path (the {@code tusk}
 * jar holds the agent), with a work directory and a log file of its own under {@code workersDir}.
 */
public final class ProcessWorkerLauncher implements WorkerLauncher {
  static final String AGENT_MAIN = "dev.tusk.agent.AgentMain";

  private final Supplier<String> daemonAddress;
  private final String runtime;
  private final Path workersDir;

  /**
   * @param daemonAddress where agents reach the daemon, "host:port"
   * @param runtime the container runtime agents run datums in ("bubblewrap", "docker")
   */
  public ProcessWorkerLauncher(Supplier<String> daemonAddress, String runtime, Path workersDir) {
    this.daemonAddress = daemonAddress;
    this.runtime = runtime;
    this.workersDir = workersDir;
  }

  @Override
  public Process launch(String pipeline, String worker) throws IOException {
    Path workDir = workersDir.resolve(worker);
    Files.createDirectories(workDir);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Small and quick to start: an agent mostly waits on its sandbox. vfork starts each sandbox a
    // few milliseconds sooner than the default posix_spawn through a helper process.
    command.addAll(List.of(
        "-Xmx512m", "-XX:+UseSerialGC", "-Xshare:auto", "-Djdk.lang.Process.launchMechanism=VFORK"));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), AGENT_MAIN));
    command.addAll(List.of(
        "--daemon", daemonAddress.get(),
        "--pipeline", pipeline,
        "--worker", worker,
        "--runtime", runtime,
        "--work-dir", workDir.toString()));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(worker).toFile()))
        .redirectInput(ProcessBuilder.Redirect.PIPE)
        .start();
  }

  @Override
  public Path logFile(String worker) {
    return workersDir.resolve(worker + ".log");
  }
}
