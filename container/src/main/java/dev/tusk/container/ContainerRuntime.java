package dev.tusk.container;

import java.io.IOException;

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
}
