package dev.tusk.container;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where a process's datums spend their time, step by step (a diagnostic: the pipeline agent turns it
 * on when its timings logger is at debug level, and logs {@link #drain()} every so many datums).
 * While off, {@link #add} costs one volatile read. Process-wide: every session of the process adds
 * to the same totals. Thread-safe.
 */
public final class StepTimes {
  private static final Map<String, LongAdder> NANOS = new ConcurrentHashMap<>();
  private static final Map<String, LongAdder> COUNTS = new ConcurrentHashMap<>();
  private static volatile boolean enabled;

  private StepTimes() {}

  public static void enable() {
    enabled = true;
  }

  public static boolean enabled() {
    return enabled;
  }

  /** The time since {@code startNanos} (a {@link System#nanoTime()}), as one more of {@code step}. */
  public static void since(String step, long startNanos) {
    if (enabled) {
      add(step, System.nanoTime() - startNanos);
    }
  }

  public static void add(String step, long nanos) {
    if (enabled) {
      NANOS.computeIfAbsent(step, s -> new LongAdder()).add(nanos);
      COUNTS.computeIfAbsent(step, s -> new LongAdder()).increment();
    }
  }

  /**
   * The totals since the last drain, step by step ("step: N x mean ms, total s"), and starts
   * again from zero.
   */
  public static String drain() {
    Map<String, String> lines = new TreeMap<>();
    for (String step : NANOS.keySet()) {
      long nanos = NANOS.get(step).sumThenReset();
      long count = COUNTS.get(step).sumThenReset();
      if (count > 0) {
        lines.put(step, String.format("%s: %d x %.3f ms = %.2f s", step, count, nanos / 1e6 / count, nanos / 1e9));
      }
    }
    return String.join("; ", lines.values());
  }
}
