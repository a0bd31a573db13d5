package dev.tusk.fsd.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway PostgreSQL server for tests: initdb into a temporary directory, started on a free
 * loopback port with its socket inside that directory, trust authentication, stopped and deleted on
 * {@link #close()}. Needs the server binaries (Debian's {@code postgresql} package, or initdb and
 * pg_ctl on the PATH). PostgreSQL refuses to run as root, so under root it runs as the {@code
 * postgres} OS user through {@code runuser}.
 */
final class PostgresServer implements AutoCloseable {
  static final String SUPERUSER = "postgres";

  /** The database that {@link #newSchemaUrl} creates schemas in. */
  static final String DATABASE = "tusk";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path binDir;
  private final Path dir;
  private final Path dataDir;
  private final int port;
  private final boolean asPostgresUser;
  private final Thread shutdownHook;
  private final AtomicInteger schemas = new AtomicInteger();

  private PostgresServer(Path binDir, Path dir, int port, boolean asPostgresUser) {
    this.binDir = binDir;
    this.dir = dir;
    this.dataDir = dir.resolve("data");
    this.port = port;
    this.asPostgresUser = asPostgresUser;
    // A test JVM that exits without running @AfterAll must not leave a server behind.
    this.shutdownHook = new Thread(this::stopAndDelete, "postgres-test-server-stop");
  }

  /**
   * Starts a server for a test class: under CI ({@code CI=true}) a missing or failing PostgreSQL
   * fails the class, elsewhere it skips it.
   */
  static PostgresServer startForTests() {
    try {
      return start();
    } catch (RuntimeException e) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw e;
      }
      Assumptions.abort("PostgreSQL is not available (set CI=true to fail instead): " + e.getMessage());
      throw e;
    }
  }

  /**
   * Initializes and starts a server.
   *
   * @throws IllegalStateException naming the reason if there is no PostgreSQL or it did not start
   */
  static PostgresServer start() {
    Path binDir =
        findBinDir()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "No PostgreSQL server binaries (initdb, pg_ctl) in"
                            + " /usr/lib/postgresql/*/bin or on the PATH; install them with apt-get"
                            + " install postgresql"));
    boolean root = "root".equals(System.getProperty("user.name"));
    PostgresServer server;
    try {
      Path dir = Files.createTempDirectory("tusk-pg-");
      if (root) {
        UserPrincipal postgres =
            dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(SUPERUSER);
        Files.setOwner(dir, postgres);
      }
      server = new PostgresServer(binDir, dir, freePort(), root);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot prepare a PostgreSQL data directory: " + e, e);
    }
    Runtime.getRuntime().addShutdownHook(server.shutdownHook);
    try {
      server.initAndStart();
      return server;
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  private void initAndStart() {
    List<String> initdb =
        new ArrayList<>(
            List.of(
                binDir.resolve("initdb").toString(),
                "-D",
                dataDir.toString(),
                "-A",
                "trust",
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync"));
    if (majorVersion() >= 15) {
      // A linguistic default collation ("a" < "B" < "b"), as most production databases have:
      // the store must still order names bytewise, as SQLite does.
      initdb.addAll(List.of("--locale-provider=icu", "--icu-locale=en"));
    }
    run(initdb.toArray(String[]::new));
    String settings =
        String.join(
            "\n",
            "",
            "port = " + port,
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = '" + dir + "'",
            // Tests crash the server (immediate stop), never the machine: what the server wrote
            // is in the page cache, so it may skip flushing it. Commits must still reach the WAL
            // before they are acknowledged, so synchronous_commit stays on.
            "fsync = off",
            "full_page_writes = off",
            "");
    try {
      Files.writeString(
          dataDir.resolve("postgresql.conf"),
          settings,
          StandardCharsets.UTF_8,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    pgCtl("start");
    awaitConnection();
    try (Connection c = connect("postgres");
        Statement statement = c.createStatement()) {
      statement.execute("CREATE DATABASE " + DATABASE);
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot create database " + DATABASE + ": " + e, e);
    }
  }

  /** Stops the server abruptly and starts it again on the same port, as a crash would. */
  void restart() {
    pgCtl("stop");
    pgCtl("start");
    awaitConnection();
  }

  /** Stops the server abruptly, as a crash would. */
  void stop() {
    pgCtl("stop");
  }

  /** Starts a stopped server again. */
  void startAgain() {
    pgCtl("start");
    awaitConnection();
  }

  int port() {
    return port;
  }

  /**
   * A new empty schema in the {@link #DATABASE} database, as a metadata store URL that selects it
   * (cheaper than a database per test). The password is ignored (trust authentication); it is there
   * so that tests can check that it never shows up in messages.
   */
  String newSchemaUrl(String password) {
    String schema = "test_" + schemas.incrementAndGet();
    try (Connection c = connect(DATABASE);
        Statement statement = c.createStatement()) {
      statement.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot create schema " + schema + ": " + e, e);
    }
    return "postgresql://"
        + SUPERUSER
        + ":"
        + password
        + "@127.0.0.1:"
        + port
        + "/"
        + DATABASE
        + "?currentSchema="
        + schema;
  }

  Connection connect(String database) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", SUPERUSER);
    properties.setProperty("connectTimeout", "5");
    return new org.postgresql.Driver()
        .connect("jdbc:postgresql://127.0.0.1:" + port + "/" + database, properties);
  }

  @Override
  public void close() {
    stopAndDelete();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down and runs the hook, which finds nothing left to do.
    }
  }

  private synchronized void stopAndDelete() {
    if (!Files.exists(dir)) {
      return;
    }
    if (Files.exists(dataDir.resolve("postmaster.pid"))) {
      try {
        pgCtl("stop");
      } catch (RuntimeException e) {
        System.err.println("Could not stop the test PostgreSQL server: " + e.getMessage());
      }
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      System.err.println("Could not delete " + dir + ": " + e);
    }
  }

  private void pgCtl(String action) {
    List<String> command =
        new ArrayList<>(
            List.of(
                binDir.resolve("pg_ctl").toString(),
                "-D",
                dataDir.toString(),
                "-l",
                dir.resolve("server.log").toString(),
                "-w",
                "-t",
                Long.toString(START_TIMEOUT.toSeconds())));
    if (action.equals("stop")) {
      command.addAll(List.of("-m", "immediate"));
    }
    command.add(action);
    run(command.toArray(String[]::new));
  }

  private void awaitConnection() {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    SQLException last = null;
    while (Instant.now().isBefore(deadline)) {
      try (Connection c = connect("postgres")) {
        return;
      } catch (SQLException e) {
        last = e;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new IllegalStateException(
        "PostgreSQL did not accept connections on port " + port + ": " + last + "\n" + log());
  }

  /** From "initdb (PostgreSQL) 15.14". */
  private int majorVersion() {
    Matcher version =
        Pattern.compile("(\\d+)(\\.\\d+)?")
            .matcher(run(binDir.resolve("initdb").toString(), "--version"));
    return version.find() ? Integer.parseInt(version.group(1)) : 0;
  }

  private String run(String... command) {
    List<String> full = new ArrayList<>();
    if (asPostgresUser) {
      full.addAll(List.of("runuser", "-u", SUPERUSER, "--"));
    }
    full.addAll(List.of(command));
    try {
      Process process =
          new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true).start();
      process.getOutputStream().close();
      // pg_ctl's output is small, so reading it all before waiting cannot block the child.
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(START_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", full) + " timed out\n" + output);
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", full) + " failed (" + process.exitValue() + ")\n" + output + log());
      }
      return output;
    } catch (IOException e) {
      throw new IllegalStateException("Cannot run " + String.join(" ", full) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted running " + String.join(" ", full), e);
    }
  }

  private String log() {
    try {
      Path log = dir.resolve("server.log");
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** The newest /usr/lib/postgresql/N/bin (Debian, Ubuntu), else a PATH entry with both tools. */
  private static Optional<Path> findBinDir() {
    List<Path> candidates = new ArrayList<>();
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> versions = Files.list(debian)) {
        versions
            .filter(v -> v.getFileName().toString().matches("\\d+(\\.\\d+)?"))
            .sorted(
                Comparator.comparingDouble(
                        (Path v) -> Double.parseDouble(v.getFileName().toString()))
                    .reversed())
            .map(v -> v.resolve("bin"))
            .forEach(candidates::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String entry : path.split(java.io.File.pathSeparator)) {
        if (!entry.isEmpty()) {
          candidates.add(Path.of(entry));
        }
      }
    }
    return candidates.stream()
        .filter(bin -> Files.isExecutable(bin.resolve("initdb")))
        .filter(bin -> Files.isExecutable(bin.resolve("pg_ctl")))
        .findFirst();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
