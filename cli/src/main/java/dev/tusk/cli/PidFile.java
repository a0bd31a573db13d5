package dev.tusk.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A background process that {@code tusk up} started, recorded as {@code <pid> <start time in epoch
 * millis>}: the start time tells it from a later process that reuses its pid.
 */
record PidFile(Path path) {
  /** The system property in which bin/tusk passes its own path to the JVM it starts. */
  static final String LAUNCHER_PROPERTY = "tusk.launcher";

  void write(ProcessHandle process) throws IOException {
    long started = process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    Files.writeString(path, process.pid() + " " + started + "\n");
  }

  /**
   * The recorded process, if it is still alive. A file that names a dead process, or one started at
   * another time (the pid was reused), is removed.
   */
  Optional<ProcessHandle> running() throws IOException {
    long pid;
    long started;
    try {
      String[] fields = Files.readString(path).strip().split(" ");
      pid = Long.parseLong(fields[0]);
      started = fields.length > 1 ? Long.parseLong(fields[1]) : 0;
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (NumberFormatException e) {
      Files.deleteIfExists(path);
      return Optional.empty();
    }
    Optional<ProcessHandle> process = ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(p -> started == 0 || p.info().startInstant()
            .map(instant -> instant.toEpochMilli() == started)
            .orElse(true));
    if (process.isEmpty()) {
      Files.deleteIfExists(path);
    }
    return process;
  }

  /**
   * Stops the recorded process: SIGTERM, so its shutdown hooks run, then SIGKILL if it is still
   * there after {@code seconds}. Returns the pid it stopped, or empty if none was running.
   */
  Optional<Long> stop(long seconds) throws IOException, InterruptedException {
    Optional<ProcessHandle> running = running();
    if (running.isEmpty()) {
      return Optional.empty();
    }
    ProcessHandle process = running.get();
    process.destroy();
    if (!exited(process, seconds)) {
      process.destroyForcibly();
      if (!exited(process, 5)) {
        throw new IllegalStateException("cannot stop pid " + process.pid());
      }
    }
    Files.deleteIfExists(path);
    return Optional.of(process.pid());
  }

  /**
   * This CLI as a child process ({@code tusk up}'s daemon and mount): through the launcher that
   * started this process (bin/tusk, which names itself in {@value #LAUNCHER_PROPERTY}), so that the
   * child gets the JVM options and class-data archive it gives that command, chosen in one place;
   * else (no launcher: tests, a plain {@code java -jar}) {@code java -cp <this class path>
   * dev.tusk.cli.Tusk args...}. Either way the child inherits the environment, TUSK_JAVA_OPTS too.
   */
  static List<String> tuskCommand(List<String> args) {
    List<String> command = new ArrayList<>();
    String launcher = System.getProperty(LAUNCHER_PROPERTY, "");
    if (!launcher.isEmpty() && Files.isExecutable(Path.of(launcher))) {
      command.add(launcher);
    } else {
      String java = ProcessHandle.current().info().command()
          .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(List.of(java, "-cp", System.getProperty("java.class.path"), Tusk.class.getName()));
    }
    command.addAll(args);
    return command;
  }

  private static boolean exited(ProcessHandle process, long seconds) throws InterruptedException {
    try {
      process.onExit().get(seconds, TimeUnit.SECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return !process.isAlive();
    }
  }
}
