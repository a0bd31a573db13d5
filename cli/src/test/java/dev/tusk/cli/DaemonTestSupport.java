package dev.tusk.cli;

import dev.tusk.fsd.Daemon;
import dev.tusk.fsd.DaemonConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real daemon on a free loopback port for each test class, with a temporary data directory, and
 * {@link #tusk} to run command lines against it with captured output.
 */
abstract class DaemonTestSupport {
  @TempDir static Path dataDir;

  static Daemon daemon;
  static String address;

  @BeforeAll
  static void startDaemon() throws Exception {
    daemon = Daemon.start(new DaemonConfig(dataDir.resolve("data"), "127.0.0.1:0", null, null));
    address = "127.0.0.1:" + daemon.port();
  }

  @AfterAll
  static void stopDaemon() throws Exception {
    daemon.close();
  }

  /** What a command line did. */
  record Result(int code, byte[] stdout, String err) {
    String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    List<String> lines() {
      String out = out();
      return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }
  }

  /** Runs {@code tusk --address <daemon> args...} with empty stdin, not at a terminal. */
  static Result tusk(String... args) {
    return tuskWithInput(new ByteArrayInputStream(new byte[0]), args);
  }

  /** Runs a command line that must succeed; a failure shows its error line. */
  static Result ok(String... args) {
    Result result = tusk(args);
    if (result.code() != 0) {
      throw new AssertionError("tusk " + String.join(" ", args) + " exited with " + result.code()
          + ": " + result.err());
    }
    return result;
  }

  static Result tuskWithInput(InputStream stdin, String... args) {
    List<String> line = new ArrayList<>(List.of("--address", address));
    line.addAll(List.of(args));
    return run(stdin, false, Map.of(), line.toArray(String[]::new));
  }

  /** Runs a command line as given, with the environment and terminal flag given. */
  static Result run(InputStream stdin, boolean terminal, Map<String, String> env, String... args) {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    PrintWriter out = new PrintWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8));
    Io io = new Io(stdin, stdout, out, new PrintWriter(err, true), terminal, env, Clock.systemUTC());
    int code = Tusk.run(args, io);
    out.flush();
    return new Result(code, stdout.toByteArray(), err.toString());
  }
}
