package dev.tusk.cli;

import ch.qos.logback.classic.Level;
import dev.tusk.api.TuskException;
import dev.tusk.fsd.Daemon;
import dev.tusk.fsd.DaemonConfig;
import dev.tusk.fsd.s3.S3GatewayConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tusk daemon} runs the daemon in the foreground; {@code tusk up} starts it in the
 * background (a separate {@code java} process on the same class path, logging to {@code
 * <data>/daemon.log}, its pid in {@code <data>/daemon.pid}) and {@code tusk down} stops it.
 */
final class DaemonCommands {
  static final String PID_FILE = "daemon.pid";
  static final String LOG_FILE = "daemon.log";
  /** Store URLs may hold keys, so {@code tusk up} hands them over here rather than in argv. */
  static final String STORE_ENV = "TUSK_STORE";
  static final String METADATA_ENV = "TUSK_METADATA";
  private static final long START_TIMEOUT_MILLIS = 60_000;
  private static final long STOP_TIMEOUT_SECONDS = 15;
  /** Something else may hold the port and accept without answering: never wait on it for long. */
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

  private DaemonCommands() {}

  /** {@code --data}: the data directory, $TUSK_DATA or ~/.tusk by default. */
  static final class DataOption {
    @Option(
        names = "--data",
        paramLabel = "DIR",
        description = "Data directory (default: $TUSK_DATA or ~/.tusk).")
    Path data;

    Path resolve(Io io) {
      if (data != null) {
        return data.toAbsolutePath();
      }
      String env = io.getenv("TUSK_DATA");
      return (env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".tusk"))
          .toAbsolutePath();
    }
  }

  /** How a daemon runs: where its data lives and where it listens. */
  static final class ServerOptions {
    @Mixin DataOption data = new DataOption();

    @Option(
        names = "--listen",
        paramLabel = "HOST:PORT",
        description = "Where to serve gRPC (default: " + DaemonConfig.DEFAULT_LISTEN + ").")
    String listen = DaemonConfig.DEFAULT_LISTEN;

    @Option(
        names = "--store",
        paramLabel = "URL",
        description = "Object store URL instead of <data>/store: s3://bucket/prefix?endpoint=...,"
            + " azblob://... (default: $TUSK_STORE).")
    String store;

    @Option(
        names = "--metadata",
        paramLabel = "URL",
        description = "Metadata store URL instead of <data>/metadata.db: postgresql://..."
            + " (default: $TUSK_METADATA).")
    String metadata;

    @Option(
        names = "--runtime",
        paramLabel = "NAME",
        description = "Where pipelines run their datums: bubblewrap (default: a sandbox using the host's"
            + " /usr) or docker (the spec's image, through the local Docker engine).")
    String runtime = DaemonConfig.DEFAULT_RUNTIME;

    @Option(
        names = "--s3",
        paramLabel = "HOST:PORT",
        description = "Also serve the S3 API here (default: off). Signed with the key in"
            + " $" + S3GatewayConfig.ACCESS_KEY_ENV + " / $" + S3GatewayConfig.SECRET_KEY_ENV + ".")
    String s3;

    @Option(
        names = "--s3-anonymous",
        description = "Let unsigned S3 requests read and write every repo (off by default).")
    boolean s3Anonymous;

    DaemonConfig config(Io io) {
      HostPort.parse(listen, "listen address");
      if (!runtime.equals("bubblewrap") && !runtime.equals("docker")) {
        throw new IllegalArgumentException("Unknown runtime '" + runtime + "': expected bubblewrap or docker");
      }
      if (s3 == null && s3Anonymous) {
        throw new IllegalArgumentException("--s3-anonymous needs --s3 HOST:PORT");
      }
      S3GatewayConfig gateway = null;
      if (s3 != null) {
        HostPort.parse(s3, "S3 address");
        gateway = new S3GatewayConfig(s3, S3GatewayConfig.credentialsFrom(io::getenv), s3Anonymous);
      }
      return new DaemonConfig(
          data.resolve(io),
          listen,
          store != null ? store : io.getenv(STORE_ENV),
          metadata != null ? metadata : io.getenv(METADATA_ENV),
          runtime,
          gateway);
    }
  }

  @Command(name = "daemon", description = "Run the daemon in the foreground; Ctrl-C stops it cleanly.")
  static final class Run implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ServerOptions server = new ServerOptions();

    @Override
    public Integer call() throws IOException, InterruptedException {
      Io io = ((Tusk) spec.root().userObject()).io();
      if (io.getenv("TUSK_LOG_LEVEL") == null) {
        // The daemon's own lines (where it serves, what it recovered) belong in its log.
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.tusk")).setLevel(Level.INFO);
      }
      Daemon daemon = Daemon.start(server.config(io));
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          daemon.close();
        } catch (IOException e) {
          io.err().println("tusk: " + e.getMessage());
        }
      }, "tusk-shutdown"));
      daemon.awaitTermination();
      return 0;
    }
  }

  /** Where {@code tusk up} mounts the repos, if anywhere. */
  static final class MountOption {
    @Option(
        names = "--mount",
        paramLabel = "DIR",
        description = "Mount every repo here, in the background (default: ./pfs).")
    Path dir = Path.of("pfs");

    @Option(names = "--no-mount", description = "Start only the daemon.")
    boolean none;

    boolean enabled() {
      return !none;
    }

    Path dir() {
      return dir.toAbsolutePath().normalize();
    }
  }

  @Command(
      name = "up",
      description = {
        "Start the daemon in the background, unless it is running, and wait until it answers;",
        "then mount every repo at ./pfs (--mount DIR, --no-mount), also in the background."
      })
  static final class Up implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ServerOptions server = new ServerOptions();

    @Mixin MountOption mount = new MountOption();

    @Override
    public Integer call() throws IOException, InterruptedException {
      Io io = ((Tusk) spec.root().userObject()).io();
      DaemonConfig config = server.config(io);
      HostPort listen = HostPort.parse(config.listen(), "listen address");
      if (listen.port() == 0) {
        throw new IllegalArgumentException("tusk up needs a fixed port to find the daemon: --listen HOST:PORT");
      }
      Path dir = Files.createDirectories(config.dataDir());
      Optional<ProcessHandle> running = pidFile(dir).running();
      if (running.isPresent()) {
        io.out().println("tusk daemon already running (pid " + running.get().pid() + ", data " + dir + ")");
      } else {
        start(io, config, listen, dir);
      }
      if (mount.enabled()) {
        BackgroundMount.start(io, dir, listen.toString(), mount.dir());
      }
      return 0;
    }

    private void start(Io io, DaemonConfig config, HostPort listen, Path dir)
        throws IOException, InterruptedException {
      Path log = dir.resolve(LOG_FILE);
      ProcessBuilder builder = new ProcessBuilder(command(config))
          .redirectErrorStream(true)
          .redirectOutput(Redirect.appendTo(log.toFile()));
      putOrRemove(builder.environment(), STORE_ENV, config.storeUrl());
      putOrRemove(builder.environment(), METADATA_ENV, config.metadataUrl());
      if (config.s3() != null && config.s3().credentials() != null) {
        builder.environment().put(S3GatewayConfig.ACCESS_KEY_ENV, config.s3().credentials().accessKeyId());
        builder.environment().put(S3GatewayConfig.SECRET_KEY_ENV, config.s3().credentials().secretAccessKey());
      }
      Process process = builder.start();
      process.getOutputStream().close();
      pidFile(dir).write(process.toHandle());
      awaitAnswer(process, listen, log, dir);
      io.out().println("tusk daemon started (pid " + process.pid() + ") on " + config.listen()
          + ", data " + dir + ", log " + log);
    }

    private static List<String> command(DaemonConfig config) {
      List<String> args = new java.util.ArrayList<>(List.of(
          "daemon", "--data", config.dataDir().toString(), "--listen", config.listen(),
          "--runtime", config.runtime()));
      if (config.s3() != null) {
        // The S3 keys travel in the environment, which the daemon inherits, never in argv.
        args.addAll(List.of("--s3", config.s3().listen()));
        if (config.s3().anonymous()) {
          args.add("--s3-anonymous");
        }
      }
      return PidFile.tuskCommand(args);
    }

    private static void putOrRemove(Map<String, String> env, String name, String value) {
      if (value == null) {
        env.remove(name);
      } else {
        env.put(name, value);
      }
    }

    /** Polls until the daemon accepts connections and answers a call, or exits, or times out. */
    private static void awaitAnswer(Process process, HostPort listen, Path log, Path dir)
        throws IOException, InterruptedException {
      String host = listen.host().equals("0.0.0.0") || listen.host().equals("::") ? "127.0.0.1" : listen.host();
      HostPort address = new HostPort(host, listen.port());
      long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
      while (System.currentTimeMillis() < deadline) {
        if (!process.isAlive()) {
          Files.deleteIfExists(dir.resolve(PID_FILE));
          throw new IllegalStateException("the daemon exited with status " + process.exitValue()
              + lastLine(log) + " (see " + log + ")");
        }
        if (accepts(address) && answers(address)) {
          return;
        }
        Thread.sleep(100);
      }
      process.destroyForcibly();
      Files.deleteIfExists(dir.resolve(PID_FILE));
      throw new IllegalStateException("the daemon did not answer on " + address + " within "
          + START_TIMEOUT_MILLIS / 1000 + " s (see " + log + ")");
    }

    private static boolean accepts(HostPort address) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(address.host(), address.port()), 1000);
        return true;
      } catch (IOException e) {
        return false;
      }
    }

    private static boolean answers(HostPort address) {
      try (DaemonConnection connection = DaemonConnection.open(address.toString());
          Stream<?> repos = connection.client().withDeadlineAfter(PROBE_TIMEOUT).listRepo()) {
        repos.count();
        return true;
      } catch (TuskException e) {
        return false;
      }
    }
  }

  @Command(name = "down", description = "Stop the mount and the daemon that 'tusk up' started.")
  static final class Down implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin DataOption data = new DataOption();

    @Override
    public Integer call() throws IOException, InterruptedException {
      Io io = ((Tusk) spec.root().userObject()).io();
      Path dir = data.resolve(io);
      BackgroundMount.stop(io, dir);
      // SIGTERM: the daemon's shutdown hook closes it cleanly.
      Optional<Long> stopped = pidFile(dir).stop(STOP_TIMEOUT_SECONDS);
      io.out().println(stopped.isPresent()
          ? "tusk daemon stopped (pid " + stopped.get() + ")"
          : "no tusk daemon running (data " + dir + ")");
      return 0;
    }
  }

  /** ": <the log's last line>", or nothing: for one-line errors that point at a log. */
  static String lastLine(Path log) {
    try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
      return lines.filter(line -> !line.isBlank())
          .reduce((first, second) -> second)
          .map(line -> ": " + line.strip())
          .orElse("");
    } catch (IOException | UncheckedIOException e) {
      return "";
    }
  }

  static PidFile pidFile(Path dataDir) {
    return new PidFile(dataDir.resolve(PID_FILE));
  }
}
