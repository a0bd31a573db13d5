package dev.tusk.agent;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Who an agent is and where it works.
 *
 * @param pipeline the pipeline whose datums it runs
 * @param worker its name among the pipeline's agents, e.g. "edges-0"
 * @param workDir its own directory: the mount goes at {@code pfs/}, datums at {@code datums/}
 * @param allowOther whether the mount lets other users read it: needed when containers run as a
 *     user other than the agent's (Docker images with a USER, dockerd), and allowed for root or with
 *     {@code user_allow_other} in /etc/fuse.conf
 */
public record AgentConfig(String pipeline, String worker, Path workDir, boolean allowOther) {
  public AgentConfig {
    if (pipeline == null || pipeline.isEmpty()) {
      throw new IllegalArgumentException("An agent needs a pipeline");
    }
    if (worker == null || worker.isEmpty()) {
      throw new IllegalArgumentException("An agent needs a worker name");
    }
    Objects.requireNonNull(workDir, "workDir");
  }
}
