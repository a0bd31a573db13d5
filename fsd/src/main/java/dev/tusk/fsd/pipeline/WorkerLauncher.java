package dev.tusk.fsd.pipeline;

import java.io.IOException;
import java.nio.file.Path;

/** Starts pipeline agents: local processes by default; Kubernetes pods later. */
public interface WorkerLauncher {

  /**
   * Starts agent {@code worker} of {@code pipeline}, which connects back to the daemon.
   *
   * @return the running agent
   * @throws IOException if it cannot be started at all
   */
  Process launch(String pipeline, String worker) throws IOException;

  /** Where agent {@code worker} writes its log, for telling users why it died. */
  Path logFile(String worker);
}
