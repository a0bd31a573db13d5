package dev.tusk.chunkstore.azure;

import dev.tusk.chunkstore.ServerProcesses;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Azurite blob service for the Azure integration tests: {@code azurite-blob} as a child
 * process on a free loopback port, keeping its data in a fresh directory, with the emulator's
 * well-known {@value #ACCOUNT} account.
 *
 * <p>Tests get it through {@link Extension}, as a constructor parameter: one server serves the
 * whole test run and stops when the run ends. Failsafe names the executable in the system property
 * {@value #BIN_PROPERTY} ({@code bin/install-azurite} installs it) and a directory for the server's
 * log and data in {@value #DIR_PROPERTY}.
 */
final class AzuriteServer implements AutoCloseable {
  static final String BIN_PROPERTY = "tusk.azurite.bin";
  static final String DIR_PROPERTY = "tusk.azurite.dir";
  static final String ACCOUNT = "devstoreaccount1";
  // Azurite's published development key; it guards nothing.
  static final String KEY =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  private static final Logger LOG = LoggerFactory.getLogger(AzuriteServer.class);
  private static final String EXECUTABLE = "azurite-blob";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  // A free port can be taken by someone else before Azurite binds it; then try another.
  private static final int START_ATTEMPTS = 3;

  private final Process process;
  private final int port;
  private final Path dataDir;
  private final Path log;
  private final AtomicInteger containers = new AtomicInteger();

  private AzuriteServer(Process process, int port, Path dataDir, Path log) {
    this.process = process;
    this.port = port;
    this.dataDir = dataDir;
    this.log = log;
  }

  /** Starts {@code executable}, keeping its log and data under {@code workDir}. */
  static AzuriteServer start(Path executable, Path workDir)
      throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    IOException failure = new IOException("Azurite did not start; see the logs under " + workDir);
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      try {
        return startOnce(executable, workDir);
      } catch (IOException e) {
        failure.addSuppressed(e);
      }
    }
    throw failure;
  }

  private static AzuriteServer startOnce(Path executable, Path workDir)
      throws IOException, InterruptedException {
    int port = freePort();
    Path dataDir = Files.createTempDirectory(workDir, "data-" + port + "-");
    Path log = workDir.resolve("azurite-" + port + ".log");
    Process process =
        new ProcessBuilder(
                executable.toString(),
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                Integer.toString(port),
                "--location",
                dataDir.toString(),
                "--silent",
                "--skipApiVersionCheck", // the SDK may be newer than the emulator
                "--loose",
                "--disableTelemetry") // no traffic beyond loopback
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      awaitPort(process, port, log);
    } catch (IOException | InterruptedException | RuntimeException e) {
      ServerProcesses.stop(process, "Azurite");
      ServerProcesses.deleteRecursively(dataDir);
      throw e;
    }
    LOG.info("Azurite {} listening on 127.0.0.1:{}, logging to {}", process.pid(), port, log);
    return new AzuriteServer(process, port, dataDir, log);
  }

  private static void awaitPort(Process process, int port, Path log)
      throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    IOException last = null;
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException(
            "Azurite exited with status " + process.exitValue() + ": " + tail(log));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
        return;
      } catch (IOException e) {
        last = e;
      }
      Thread.sleep(50);
    }
    throw new IOException(
        "Azurite did not listen within " + START_TIMEOUT + ": " + tail(log), last);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** The last lines of the server's log, for failure messages. */
  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }

  /** The emulator's connection string, with this server's blob endpoint. */
  String connectionString() {
    return "DefaultEndpointsProtocol=http;AccountName="
        + ACCOUNT
        + ";AccountKey="
        + KEY
        + ";BlobEndpoint="
        + endpoint()
        + ";";
  }

  /** The blob endpoint, path-style: {@code http://127.0.0.1:PORT/devstoreaccount1}. */
  String endpoint() {
    return "http://127.0.0.1:" + port + "/" + ACCOUNT;
  }

  /** A name for a container that no test has used yet (it need not exist). */
  String newContainerName() {
    return "tusk-it-" + containers.incrementAndGet();
  }

  /**
   * A store URL for {@code container} and {@code prefix} (may be empty) with the connection string.
   */
  String url(String container, String prefix) {
    return "azblob://"
        + container
        + "/"
        + prefix
        + "?connection_string="
        + URLEncoder.encode(connectionString(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    try {
      ServerProcesses.stop(process, "Azurite");
    } finally {
      ServerProcesses.deleteRecursively(dataDir);
      LOG.info("Azurite {} stopped; its log is {}", process.pid(), log);
    }
  }

  /**
   * Gives test classes the run's one {@link AzuriteServer} as a constructor or method parameter,
   * starting it on first use and stopping it when the run ends.
   *
   * <p>Without the executable, or when the server cannot start, the test class is skipped with the
   * reason, except under CI ({@code CI=true}), where it fails: a green CI run must mean Azurite
   * really ran.
   */
  static final class Extension implements BeforeAllCallback, ParameterResolver {

    /** The outcome of starting the server, kept in the root store; closed when the run ends. */
    private record Started(AzuriteServer server, String problem) implements AutoCloseable {
      @Override
      public void close() throws IOException {
        if (server != null) {
          server.close();
        }
      }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
      String problem = started(context).problem();
      if (problem == null) {
        return;
      }
      if (ServerProcesses.underCi()) {
        throw new IllegalStateException("Azurite is required under CI: " + problem);
      }
      // Surefire's report drops the reason for a skipped class, so say it here too.
      LOG.warn("Skipping {}: {}", context.getDisplayName(), problem);
      Assumptions.abort("Skipping the Azure Blob integration tests: " + problem);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == AzuriteServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      return started(context).server();
    }

    private static Started started(ExtensionContext context) {
      return context
          .getRoot()
          .getStore(ExtensionContext.Namespace.create(AzuriteServer.class))
          .getOrComputeIfAbsent(Started.class, key -> start(), Started.class);
    }

    private static Started start() {
      Path executable = findExecutable();
      if (executable == null) {
        return new Started(
            null,
            "no "
                + EXECUTABLE
                + " (system property "
                + BIN_PROPERTY
                + " is "
                + System.getProperty(BIN_PROPERTY)
                + ", and none on the PATH); run"
                + " bin/install-azurite");
      }
      String dir = System.getProperty(DIR_PROPERTY);
      Path workDir =
          dir != null
              ? Path.of(dir)
              : Path.of(System.getProperty("java.io.tmpdir"), "tusk-azurite");
      try {
        return new Started(AzuriteServer.start(executable, workDir), null);
      } catch (IOException e) {
        LOG.error("Cannot start Azurite from {}", executable, e);
        return new Started(null, "Azurite failed to start: " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Started(null, "interrupted while starting Azurite");
      }
    }

    /** The system property's executable if it exists, else the first on the PATH. */
    private static Path findExecutable() {
      String property = System.getProperty(BIN_PROPERTY);
      if (property != null && Files.isExecutable(Path.of(property))) {
        return Path.of(property);
      }
      String path = System.getenv("PATH");
      if (path == null) {
        return null;
      }
      for (String dir : path.split(File.pathSeparator)) {
        if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, EXECUTABLE))) {
          return Path.of(dir, EXECUTABLE);
        }
      }
      return null;
    }
  }
}
