package dev.tusk.agent;

import dev.tusk.container.BubblewrapRuntime;
import dev.tusk.container.ContainerCommand;
import dev.tusk.container.ContainerRuntime;
import dev.tusk.container.ContainerSession;
import dev.tusk.container.ContainerSpec;
import dev.tusk.container.ExitStatus;
import dev.tusk.container.LogSink;
import dev.tusk.container.SessionSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/**
 * A real bubblewrap sandbox for the agent's tests, until the container module's BubblewrapRuntime
 * is merged: host /usr and /etc read-only, fresh /proc, /dev and /tmp, no network, no capabilities,
 * and the spec's binds in order. Killing it (interrupt) kills everything inside, through the PID
 * namespace.
 */
final class TestBubblewrapRuntime implements ContainerRuntime, AutoCloseable {
  /** Time spent in {@link #run}, for measuring what the agent adds around it. */
  final LongAdder runNanos = new LongAdder();
  /** Runs bwrap through this, e.g. to start it as another user; empty for none. */
  private final List<String> prefix;
  private final ExecutorService io = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "test-bwrap-io");
    t.setDaemon(true);
    return t;
  });

  /** The container module's runtime, for sessions; null for none (each datum its own sandbox). */
  private final BubblewrapRuntime sessions;

  TestBubblewrapRuntime() {
    this(List.of(), false);
  }

  private TestBubblewrapRuntime(List<String> prefix, boolean sessions) {
    this.prefix = List.copyOf(prefix);
    this.sessions = sessions ? new BubblewrapRuntime() : null;
  }

  /** As {@link #TestBubblewrapRuntime()}, but datums run in the real runtime's sessions. */
  static TestBubblewrapRuntime withSessions() {
    return new TestBubblewrapRuntime(List.of(), true);
  }

  @Override
  public Optional<ContainerSession> openSession(SessionSpec spec) throws IOException, InterruptedException {
    if (sessions == null) {
      return Optional.empty();
    }
    ContainerSession session = sessions.openSession(spec).orElseThrow();
    return Optional.of(new ContainerSession() {
      @Override
      public ExitStatus run(ContainerCommand command, LogSink logs) throws IOException, InterruptedException {
        long start = System.nanoTime();
        try {
          return session.run(command, logs);
        } finally {
          runNanos.add(System.nanoTime() - start);
        }
      }

      @Override
      public boolean isOpen() {
        return session.isOpen();
      }

      @Override
      public void close() {
        session.close();
      }
    });
  }

  /** Sandboxes started by another user, in a user namespace of their own, as unprivileged bwrap does. */
  static TestBubblewrapRuntime asUser(int uid) {
    return new TestBubblewrapRuntime(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups"), false);
  }

  @Override
  public String name() {
    return "bubblewrap";
  }

  @Override
  public ExitStatus run(ContainerSpec spec, LogSink logs) throws IOException, InterruptedException {
    long start = System.nanoTime();
    try {
      return runTimed(spec, logs);
    } finally {
      runNanos.add(System.nanoTime() - start);
    }
  }

  private ExitStatus runTimed(ContainerSpec spec, LogSink logs) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(prefix);
    command.addAll(List.of(
        "bwrap", "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
        "--symlink", "usr/lib64", "/lib64", "--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev",
        "--tmpfs", "/tmp", "--unshare-all", "--die-with-parent", "--cap-drop", "ALL"));
    for (ContainerSpec.Bind bind : spec.binds()) {
      command.addAll(List.of(bind.readOnly() ? "--ro-bind" : "--bind", bind.source().toString(), bind.target()));
    }
    command.addAll(spec.command());
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.clear();
    env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.put("HOME", "/tmp");
    env.putAll(spec.env());
    Process process = builder.start();
    try {
      Future<?> stdin = io.submit(() -> {
        try (OutputStream in = process.getOutputStream()) {
          for (String line : spec.stdin()) {
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
          }
        }
        return null;
      });
      Future<?> out = io.submit(() -> pump(process.getInputStream(), LogSink.Stream.STDOUT, logs));
      Future<?> err = io.submit(() -> pump(process.getErrorStream(), LogSink.Stream.STDERR, logs));
      int code = process.waitFor();
      out.get();
      err.get();
      stdin.cancel(true);
      return new ExitStatus(code, "exited with code " + code);
    } catch (InterruptedException e) {
      process.destroyForcibly().waitFor();
      throw e;
    } catch (ExecutionException e) {
      process.destroyForcibly();
      throw new IOException(e.getCause());
    }
  }

  private static Void pump(InputStream from, LogSink.Stream stream, LogSink logs) throws IOException {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(from, StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        logs.line(stream, line);
      }
    }
    return null;
  }

  @Override
  public void close() {
    io.shutdownNow();
  }
}
