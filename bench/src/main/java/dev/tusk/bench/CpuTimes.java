package dev.tusk.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * CPU seconds (user and system) of a daemon on this machine and of what it started: the daemon's
 * own, its agents' (its direct children), and everything below them (the sandboxes and the
 * commands they ran, counted when reaped). Read from /proc; the daemon's pid comes from the system
 * property {@code tusk.bench.daemonPid}.
 */
record CpuTimes(double daemon, double agents, double sandboxes) {
  /** Clock ticks per second of /proc/PID/stat's times: USER_HZ, 100 on Linux. */
  private static final double TICKS = 100;

  /** The daemon's times, if its pid is known. */
  static Optional<CpuTimes> ofDaemon() {
    String pid = System.getProperty("tusk.bench.daemonPid", "");
    if (pid.isEmpty()) {
      return Optional.empty();
    }
    try {
      long root = Long.parseLong(pid);
      double daemon = own(root);
      double agents = 0;
      double below = 0;
      for (long agent : children(root)) {
        agents += own(agent);
        below += reaped(agent) + tree(agent);
      }
      return Optional.of(new CpuTimes(daemon, agents, below));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Everything below {@code pid}, live or reaped. */
  private static double tree(long pid) throws IOException {
    double sum = 0;
    for (long child : children(pid)) {
      sum += own(child) + reaped(child) + tree(child);
    }
    return sum;
  }

  private static double own(long pid) throws IOException {
    long[] t = times(pid);
    return (t[0] + t[1]) / TICKS;
  }

  private static double reaped(long pid) throws IOException {
    long[] t = times(pid);
    return (t[2] + t[3]) / TICKS;
  }

  /** utime, stime, cutime, cstime; zeros for a process that is gone. */
  private static long[] times(long pid) throws IOException {
    String stat;
    try {
      stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    } catch (NoSuchFileException e) {
      return new long[4];
    }
    // "pid (comm) state ...": fields after the last ')' start with the state (field 3).
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])};
  }

  /** The children of every thread of {@code pid} (each thread's own are listed apart). */
  private static List<Long> children(long pid) throws IOException {
    List<Long> pids = new ArrayList<>();
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    List<Path> threads;
    try (var listing = Files.list(tasks)) {
      threads = listing.toList();
    } catch (NoSuchFileException e) {
      return pids;
    }
    for (Path thread : threads) {
      String text;
      try {
        text = Files.readString(thread.resolve("children"));
      } catch (NoSuchFileException e) {
        continue;
      }
      for (String part : text.trim().split("\\s+")) {
        if (!part.isEmpty()) {
          pids.add(Long.parseLong(part));
        }
      }
    }
    return pids;
  }
}
