package dev.tusk.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A real {@code tusk mount} in a child JVM, as users run it, so tests can signal it. */
final class MountProcess implements AutoCloseable {
  final Path dir;
  private final Process process;

  private MountProcess(Path dir, Process process) {
    this.dir = dir;
    this.process = process;
  }

  /** Mounts at {@code dir} against the daemon on {@code port}; returns once it says "mounted". */
  static MountProcess start(Path dir, int port, String... options) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(
        java, "-cp", System.getProperty("java.class.path"), "dev.tusk.cli.Tusk",
        "--address", "127.0.0.1:" + port, "mount", dir.toString()));
    command.addAll(List.of(options));
    Path log = dir.resolveSibling(dir.getFileName() + ".log");
    Process process = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
      try {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).readLine();
      } catch (IOException e) {
        return null;
      }
    });
    try {
      String line = first.get(60, TimeUnit.SECONDS);
      if (line == null || !line.startsWith("mounted ")) {
        throw new IllegalStateException("tusk mount said " + line + "; log: " + Files.readString(log));
      }
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      process.destroyForcibly();
      throw new IllegalStateException("tusk mount did not start; log: " + Files.readString(log), e);
    }
    return new MountProcess(dir, process);
  }

  /** SIGTERM, as from {@code kill} or a service manager; waits for the process to end. */
  int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("tusk mount did not exit within 60 s of SIGTERM");
    }
    return process.exitValue();
  }

  boolean waitForExit(long seconds) throws InterruptedException {
    return process.waitFor(seconds, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
    // Never leave a dead mount behind, whatever the test did.
    for (String[] unmount : new String[][] {{"fusermount", "-u", dir.toString()}, {"umount", "-l", dir.toString()}}) {
      if (isMounted()) {
        new ProcessBuilder(unmount).redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  boolean isMounted() throws IOException {
    String target = dir.toAbsolutePath().toString();
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .anyMatch(line -> line.split(" ")[4].equals(target));
  }
}
