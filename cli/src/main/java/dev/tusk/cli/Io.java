package dev.tusk.cli;

import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

/**
 * What a command talks to besides the daemon: standard streams, environment and clock, so that
 * tests can supply their own.
 *
 * @param in standard input
 * @param stdout standard output for bytes (file contents); flush {@link #out} before writing here
 * @param out standard output for text, buffered: flushed when the command ends
 * @param err standard error
 * @param terminal whether a person is watching (progress bars are drawn only then)
 * @param env environment variables ({@code TUSK_ADDRESS}, {@code TUSK_DATA}, ...)
 * @param clock what "3 minutes ago" is measured from
 */
record Io(
    InputStream in,
    OutputStream stdout,
    PrintWriter out,
    PrintWriter err,
    boolean terminal,
    Map<String, String> env,
    Clock clock) {
  private static final int OUT_BUFFER_CHARS = 1 << 16;

  /** The process's own streams. */
  static Io system() {
    OutputStream stdout = new FileOutputStream(FileDescriptor.out);
    PrintWriter out = new PrintWriter(
        new BufferedWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8), OUT_BUFFER_CHARS));
    PrintWriter err = new PrintWriter(
        new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
    return new Io(
        new FileInputStream(FileDescriptor.in),
        stdout,
        out,
        err,
        System.console() != null,
        System.getenv(),
        Clock.systemUTC());
  }

  /** An environment variable, or null when unset or empty. */
  String getenv(String name) {
    String value = env.get(name);
    return value == null || value.isEmpty() ? null : value;
  }
}
