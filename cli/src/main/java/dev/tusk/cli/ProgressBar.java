package dev.tusk.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * A one-line progress display on stderr for large transfers. It is drawn only for a person at a
 * terminal, and only once the transfer is known to exceed {@value #THRESHOLD_BYTES} bytes. A timer
 * redraws it five times a second from a counter the transfer keeps anyway, so the transfer itself
 * never waits on it.
 */
final class ProgressBar implements AutoCloseable {
  static final long THRESHOLD_BYTES = 8L << 20;
  private static final long PERIOD_MILLIS = 200;
  private static final int BAR_WIDTH = 30;

  private final PrintWriter err;
  private final String label;
  private final LongSupplier done;
  private final long startNanos = System.nanoTime();
  private final ScheduledExecutorService timer;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile long total;
  private int lastWidth;
  private boolean drawn;

  private ProgressBar(PrintWriter err, String label, LongSupplier done, long total, boolean enabled) {
    this.err = err;
    this.label = label;
    this.done = done;
    this.total = total;
    if (enabled) {
      timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "tusk-progress");
        thread.setDaemon(true);
        return thread;
      });
      timer.scheduleAtFixedRate(this::tick, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    } else {
      timer = null;
    }
  }

  /**
   * Starts a display, which stays silent unless {@code io} is a terminal.
   *
   * @param done bytes transferred so far, read from the timer thread
   * @param total the transfer's size, or -1 while unknown
   */
  static ProgressBar start(Io io, String label, LongSupplier done, long total) {
    return new ProgressBar(io.err(), label, done, total, io.terminal());
  }

  /** Sets the size once it is known (for instance when a directory walk ends). */
  void total(long total) {
    this.total = total;
  }

  /** Stops the timer and ends the line, if one was drawn. */
  @Override
  public void close() {
    if (timer == null) {
      return;
    }
    timer.shutdownNow();
    try {
      timer.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    lock.lock();
    try {
      if (drawn) {
        draw();
        err.print('\n');
        err.flush();
      }
    } finally {
      lock.unlock();
    }
  }

  private void tick() {
    lock.lock();
    try {
      if (drawn || done.getAsLong() > THRESHOLD_BYTES || total > THRESHOLD_BYTES) {
        drawn = true;
        draw();
      }
    } finally {
      lock.unlock();
    }
  }

  private void draw() {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    String line = render(label, done.getAsLong(), total, seconds);
    StringBuilder padded = new StringBuilder(line.length() + 8).append('\r').append(line);
    for (int i = line.length(); i < lastWidth; i++) {
      padded.append(' ');
    }
    lastWidth = line.length();
    err.print(padded);
    err.flush();
  }

  /** {@code label [=====>     ]  45%  12.0MiB/26.7MiB  50.3MiB/s}; no bar while the total is unknown. */
  static String render(String label, long done, long total, double seconds) {
    StringBuilder line = new StringBuilder(label).append("  ");
    if (total > 0) {
      double fraction = Math.min(1.0, (double) done / total);
      int filled = (int) (fraction * BAR_WIDTH);
      line.append('[');
      for (int i = 0; i < BAR_WIDTH; i++) {
        line.append(i < filled ? '=' : i == filled ? '>' : ' ');
      }
      line.append("] ")
          .append(String.format(Locale.ROOT, "%3d%%", (int) (fraction * 100)))
          .append("  ")
          .append(Formats.bytes(done)).append('/').append(Formats.bytes(total));
    } else {
      line.append(Formats.bytes(done));
    }
    if (seconds > 0) {
      line.append("  ").append(Formats.bytes((long) (done / seconds))).append("/s");
    }
    return line.toString();
  }
}
