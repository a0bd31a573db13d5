package dev.tusk.it;

import dev.tusk.api.TuskClient;
import dev.tusk.api.TuskException;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code tusk daemon} in a child JVM, as users run it, so that tests can kill it with
 * SIGKILL and start it again on the same data.
 */
final class DaemonProcess implements AutoCloseable {
  private final Process process;
  private final ManagedChannel channel;
  private final TuskClient client;
  private final int port;

  private DaemonProcess(Process process, ManagedChannel channel, int port) {
    this.process = process;
    this.channel = channel;
    this.client = new TuskClient(channel);
    this.port = port;
  }

  /** Starts a daemon on {@code data} listening on {@code port}, and waits until it answers. */
  static DaemonProcess start(Path data, int port, String... jvmOptions) throws IOException, InterruptedException {
    return start(data, port, java.util.Map.of(), List.of(), jvmOptions);
  }

  /** As {@link #start(Path, int, String...)}, with more environment and more daemon options. */
  static DaemonProcess start(
      Path data, int port, java.util.Map<String, String> environment, List<String> daemonOptions, String... jvmOptions)
      throws IOException, InterruptedException {
    Files.createDirectories(data);
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new java.util.ArrayList<>(List.of(java));
    command.addAll(List.of(jvmOptions));
    command.addAll(List.of(
        "-cp", System.getProperty("java.class.path"), "dev.tusk.cli.Tusk",
        "daemon", "--data", data.toString(), "--listen", "127.0.0.1:" + port));
    command.addAll(daemonOptions);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(environment);
    Process process = builder
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolveSibling(data.getFileName() + ".log").toFile()))
        .start();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    DaemonProcess daemon = new DaemonProcess(process, channel, port);
    daemon.awaitReady(Duration.ofSeconds(60));
    return daemon;
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  int port() {
    return port;
  }

  TuskClient client() {
    return client;
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
    channel.shutdownNow();
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private void awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("The daemon exited with " + process.exitValue() + " before answering");
      }
      try (var repos = client.listRepo()) {
        repos.count();
        return;
      } catch (TuskException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("The daemon did not answer within " + timeout, e);
        }
        Thread.sleep(100);
      }
    }
  }
}
