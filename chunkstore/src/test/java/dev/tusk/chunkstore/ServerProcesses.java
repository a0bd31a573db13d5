package dev.tusk.chunkstore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What the fixtures that run real servers (s3proxy, Azurite) as child processes share. */
public final class ServerProcesses {
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  private ServerProcesses() {}

  /**
   * Stops a server and any processes it started, politely and then forcibly, with bounded waits.
   */
  public static void stop(Process process, String name) throws IOException {
    List<ProcessHandle> children = process.descendants().toList();
    children.forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    if (process.isAlive()) {
      throw new IOException(name + " " + process.pid() + " is still running after being killed");
    }
  }

  /** Deletes a server's scratch directory and everything in it, if it exists. */
  public static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  /** Under CI a missing server fails the tests that need it; elsewhere they are skipped. */
  public static boolean underCi() {
    String ci = System.getenv("CI");
    return ci != null && !ci.isEmpty() && !ci.equalsIgnoreCase("false");
  }
}
