package dev.tusk.agent;

import dev.tusk.api.v1.DatumLog;
import dev.tusk.api.v1.WorkerMessage;
import dev.tusk.container.LogSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Forwards one datum's log lines to the daemon, up to a bound: a command that prints without end
 * must not flood the daemon's log store. Past the bound, lines are only counted, and {@link
 * #finish()} says how many were dropped.
 */
final class DatumLogs implements LogSink {
  static final int MAX_LINES = 10_000;
  static final long MAX_BYTES = 1 << 20;

  private final WorkStream stream;
  private final String job;
  private final String datum;
  private final ReentrantLock lock = new ReentrantLock();
  private final AtomicBoolean broken = new AtomicBoolean();
  private int lines;
  private long bytes;
  private long droppedLines;
  private long droppedBytes;

  DatumLogs(WorkStream stream, String job, String datum) {
    this.stream = stream;
    this.job = job;
    this.datum = datum;
  }

  @Override
  public void line(Stream from, String line) {
    long size = line.getBytes(StandardCharsets.UTF_8).length;
    lock.lock();
    try {
      if (lines >= MAX_LINES || bytes + size > MAX_BYTES) {
        droppedLines++;
        droppedBytes += size;
        return;
      }
      lines++;
      bytes += size;
    } finally {
      lock.unlock();
    }
    send(from == Stream.STDOUT ? "stdout" : "stderr", line);
  }

  /** A line of the agent's own about this datum. */
  void agent(String line) {
    send("agent", line);
  }

  /** Says how much was dropped, if anything. */
  void finish() {
    lock.lock();
    long dropLines = droppedLines;
    long dropBytes = droppedBytes;
    lock.unlock();
    if (dropLines > 0) {
      agent("dropped " + dropLines + " more lines (" + dropBytes + " bytes) of output: a datum's log"
          + " keeps at most " + MAX_LINES + " lines or " + MAX_BYTES + " bytes");
    }
  }

  private void send(String from, String line) {
    if (broken.get()) {
      return;
    }
    try {
      stream.send(WorkerMessage.newBuilder()
          .setLog(DatumLog.newBuilder().setJob(job).setDatum(datum).setStream(from).setMessage(line))
          .build());
    } catch (IOException e) {
      // The stream is gone: the agent is stopping the datum anyway, and logs have nowhere to go.
      broken.set(true);
    }
  }
}
