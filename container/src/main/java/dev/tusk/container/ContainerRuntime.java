package dev.tusk.container;

import java.io.IOException;
import java.util.Optional;

/**
 * Runs one command in an isolated container and waits for it: the SPI that the pipeline agent runs
 * datums through. Implementations: {@link BubblewrapRuntime} (the default), {@link DockerRuntime}.
 */
public interface ContainerRuntime {

  /** A short name for logs and provenance: "bubblewrap", "docker". */
  String name();

  /**
   * Runs {@code spec} to completion, passing each line it prints to {@code logs}. Interrupting
   * the calling thread kills the container and everything in it, then throws
   * InterruptedException. If {@code logs} throws, the command still runs to its end (its output
   * is drained but dropped), then that exception is thrown.
   *
   * @throws IOException if the container cannot be started (the runtime is missing, the image
   *     does not exist); a command that starts and fails is an {@link ExitStatus}, not an exception
   */
  ExitStatus run(ContainerSpec spec, LogSink logs) throws IOException, InterruptedException;

  /**
   * A sandbox that runs many commands, one after another, with the guarantees of {@link
   * ContainerSession}; empty where this runtime cannot keep them (then {@link #run} each command).
   *
   * @throws IOException if the runtime can keep sessions but this one cannot start
   */
  default Optional<ContainerSession> openSession(SessionSpec spec)
      throws IOException, InterruptedException {
    return Optional.empty();
  }
}
