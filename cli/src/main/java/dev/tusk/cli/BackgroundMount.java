package dev.tusk.cli;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The mount that {@code tusk up} runs beside the daemon: a {@code tusk mount} child process with
 * its pid in {@code <data>/mount.pid} and its log in {@code <data>/mount.log}. A mount that cannot
 * start (no FUSE here, say) is reported, and the daemon runs on without it.
 */
final class BackgroundMount {
  static final String PID_FILE = "mount.pid";
  static final String LOG_FILE = "mount.log";
  private static final String ADDRESS_ENV = "TUSK_ADDRESS";
  private static final long START_TIMEOUT_MILLIS = 30_000;
  /** Unmounting finishes the commits the mount wrote to: give it time. */
  private static final long STOP_TIMEOUT_SECONDS = 60;

  private BackgroundMount() {}

  static void start(Io io, Path dataDir, String address, Path mountDir) throws IOException, InterruptedException {
    PidFile pidFile = new PidFile(dataDir.resolve(PID_FILE));
    Optional<ProcessHandle> running = pidFile.running();
    if (running.isPresent()) {
      io.out().println("tusk mount already running (pid " + running.get().pid() + ")");
      return;
    }
    Files.createDirectories(mountDir);
    Path log = dataDir.resolve(LOG_FILE);
    Files.deleteIfExists(log);
    // The address in the environment, so that the command line starts with "mount": bin/tusk
    // chooses the mount's JVM options by its first argument.
    ProcessBuilder builder = new ProcessBuilder(PidFile.tuskCommand(List.of("mount", mountDir.toString())))
        .redirectErrorStream(true)
        .redirectOutput(Redirect.appendTo(log.toFile()));
    builder.environment().put(ADDRESS_ENV, address);
    Process process = builder.start();
    process.getOutputStream().close();
    pidFile.write(process.toHandle());
    long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
    while (System.currentTimeMillis() < deadline) {
      if (Files.readString(log).contains("mounted " + mountDir)) {
        io.out().println("tusk mount started (pid " + process.pid() + "): every repo at " + mountDir);
        return;
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(50);
    }
    process.destroy();
    Files.deleteIfExists(pidFile.path());
    io.err().println("tusk: could not mount at " + mountDir + DaemonCommands.lastLine(log)
        + " (see " + log + "); the daemon runs without it");
  }

  /** Unmounts: SIGTERM makes the mount finish its open commits and unmount. */
  static void stop(Io io, Path dataDir) throws IOException, InterruptedException {
    Optional<Long> stopped = new PidFile(dataDir.resolve(PID_FILE)).stop(STOP_TIMEOUT_SECONDS);
    if (stopped.isPresent()) {
      io.out().println("tusk mount stopped (pid " + stopped.get() + ")");
    }
  }
}
