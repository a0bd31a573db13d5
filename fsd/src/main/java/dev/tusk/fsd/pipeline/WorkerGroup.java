package dev.tusk.fsd.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running pipeline's agents: starts them, and starts again any that exits until the group is
 * stopped. An agent that keeps dying young makes the pipeline "crashing", with the end of its log
 * as the reason.
 */
final class WorkerGroup implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerGroup.class);
  private static final Duration YOUNG = Duration.ofSeconds(10);
  private static final int YOUNG_DEATHS_TO_CRASHING = 3;
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final String pipeline;
  private final WorkerLauncher launcher;
  private final Consumer<String> crashing;
  private final List<Thread> supervisors = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private volatile boolean stopped;

  /** @param crashing called with a reason when the agents cannot stay up */
  WorkerGroup(String pipeline, int count, WorkerLauncher launcher, Consumer<String> crashing) {
    this.pipeline = pipeline;
    this.launcher = launcher;
    this.crashing = crashing;
    for (int i = 0; i < count; i++) {
      String worker = pipeline + "-" + i;
      Thread supervisor = new Thread(() -> supervise(worker), "tusk-agent-supervisor-" + worker);
      supervisor.setDaemon(true);
      supervisors.add(supervisor);
    }
    supervisors.forEach(Thread::start);
  }

  int size() {
    return supervisors.size();
  }

  private void supervise(String worker) {
    int youngDeaths = 0;
    Duration backoff = Duration.ofMillis(250);
    while (!stopped) {
      long started = System.nanoTime();
      String failure;
      try {
        Process process = launcher.launch(pipeline, worker);
        synchronized (processes) {
          if (stopped) {
            process.destroy();
          }
          processes.add(process);
        }
        int code = process.waitFor();
        synchronized (processes) {
          processes.remove(process);
        }
        if (stopped) {
          return;
        }
        failure = "agent " + worker + " exited with code " + code + lastLines(launcher.logFile(worker));
      } catch (IOException e) {
        failure = "cannot start agent " + worker + ": " + e.getMessage();
      } catch (InterruptedException e) {
        return;
      }
      LOG.warn("Pipeline {}: {}", pipeline, failure);
      if (System.nanoTime() - started < YOUNG.toNanos()) {
        if (++youngDeaths == YOUNG_DEATHS_TO_CRASHING) {
          crashing.accept(failure);
        }
      } else {
        youngDeaths = 0;
        backoff = Duration.ofMillis(250);
      }
      try {
        Thread.sleep(backoff.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
    }
  }

  private static String lastLines(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      List<String> tail = lines.subList(Math.max(0, lines.size() - 5), lines.size());
      return tail.isEmpty() ? "" : ": " + String.join(" | ", tail);
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /** Stops every agent: SIGTERM, then SIGKILL after 5 s, and waits for them. */
  @Override
  public void close() {
    stopped = true;
    supervisors.forEach(Thread::interrupt);
    List<Process> running;
    synchronized (processes) {
      running = new ArrayList<>(processes);
    }
    running.forEach(Process::destroy);
    for (Process process : running) {
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
