package dev.tusk.container;

import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a process that a runtime has set up to its end: feeds its stdin from a thread of its own,
 * drains stdout and stderr through {@link LinePump}s, and on interrupt stops it and everything it
 * started before throwing {@link InterruptedException}.
 */
final class ProcessRun {

  /** Stops what the process leaves running outside its own process tree, e.g. a container. */
  @FunctionalInterface
  interface Stopper {
    Stopper NONE = process -> {};

    void stop(Process process) throws IOException, InterruptedException;
  }

  /**
   * @param exitCode the process's
   * @param stderrTail its last few stderr lines, oldest first, for telling the runtime's own errors
   *     from the command's
   */
  record Outcome(int exitCode, List<String> stderrTail) {}

  // Output ends when the last process holding the pipes exits; the runtimes' namespaces and
  // daemons make that the process itself, so these bounds are only a backstop.
  private static final long DRAIN_MILLIS = 30_000;
  private static final long STOP_MILLIS = 30_000;
  private static final long POLL_MILLIS = 5;

  private ProcessRun() {}

  /** The first executable {@code name} in a directory of the JVM's PATH, else {@code fallback}. */
  static Path onPath(String name, Path fallback) {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
          return Path.of(dir, name);
        }
      }
    }
    return fallback;
  }

  static Outcome run(
      ProcessBuilder builder, String name, List<String> stdin, LogSink logs, Stopper stopper)
      throws IOException, InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException("Interrupted before " + name + " started");
    }
    Process process = builder.start();
    String threads = name + "-" + process.pid();
    try {
      LinePump out =
          LinePump.start(process.getInputStream(), LogSink.Stream.STDOUT, logs, threads + "-out");
      LinePump err =
          LinePump.start(process.getErrorStream(), LogSink.Stream.STDERR, logs, threads + "-err");
      feed(process.getOutputStream(), stdin, threads + "-in");
      int code = process.waitFor();
      out.await(DRAIN_MILLIS);
      err.await(DRAIN_MILLIS);
      out.finish();
      return new Outcome(code, err.finish());
    } catch (InterruptedException e) {
      stop(process, stopper, e);
      throw e;
    } catch (IOException | RuntimeException e) {
      // The pipes failed or the sink threw: the command's result is lost, so it must not go on.
      process.destroyForcibly();
      throw e;
    }
  }

  /** Writes the lines and closes stdin; a process that stops reading just loses the rest. */
  private static void feed(OutputStream stdin, List<String> lines, String threadName)
      throws IOException {
    if (lines.isEmpty()) {
      stdin.close();
      return;
    }
    Thread writer =
        new Thread(
            () -> {
              try (BufferedWriter w =
                  new BufferedWriter(new OutputStreamWriter(stdin, StandardCharsets.UTF_8))) {
                for (String line : lines) {
                  w.write(line);
                  w.write('\n');
                }
              } catch (IOException e) {
                // EPIPE: the command exited or closed its stdin without reading everything.
              }
            },
            threadName);
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * Runs the stopper, then kills the process and its descendants and waits for them, so that
   * nothing is left running when the interrupt is reported. Failures are added to {@code cause}.
   */
  private static void stop(Process process, Stopper stopper, InterruptedException cause) {
    // Taken before the process dies: its orphans are re-parented and no longer descendants.
    List<ProcessHandle> tree = process.descendants().toList();
    try {
      stopper.stop(process);
    } catch (IOException | InterruptedException | RuntimeException e) {
      cause.addSuppressed(e);
    }
    process.destroyForcibly();
    tree.forEach(ProcessHandle::destroyForcibly);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_MILLIS);
    awaitExit(process.toHandle(), deadline, cause);
    for (ProcessHandle handle : tree) {
      awaitExit(handle, deadline, cause);
    }
  }

  /**
   * Waits until {@code deadline}, ignoring further interrupts: the caller is on its way out. Polls,
   * because {@link ProcessHandle#onExit()} polls every 300 ms or more for a process that is not a
   * child.
   */
  private static void awaitExit(ProcessHandle handle, long deadline, InterruptedException cause) {
    while (running(handle)) {
      if (System.nanoTime() > deadline) {
        cause.addSuppressed(
            new IOException("Process " + handle.pid() + " is still running after SIGKILL"));
        return;
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        // Keep waiting: the deadline bounds it.
      }
    }
  }

  /**
   * Alive and not a zombie. The sandbox's processes are orphans once it is killed, and whoever
   * inherits them (the host's init, maybe a slow one) reaps them when it gets to it; until then
   * {@link ProcessHandle#isAlive()} still counts them.
   */
  private static boolean running(ProcessHandle handle) {
    if (!handle.isAlive()) {
      return false;
    }
    try {
      // "pid (comm) S ...": the state follows the last ')', as comm may hold anything.
      String stat = Files.readString(Path.of("/proc", Long.toString(handle.pid()), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException | RuntimeException e) {
      return handle.isAlive(); // no /proc: trust the JDK
    }
  }
}
