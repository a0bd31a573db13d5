package dev.tusk.container;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Drains one output stream of a process on a thread of its own, passing each line to a {@link
 * LogSink}. A line longer than {@link #MAX_LINE} bytes is passed on in pieces of at most that many,
 * cut at a UTF-8 character boundary; bytes that are not UTF-8 become U+FFFD. A failing sink does
 * not stop the draining (a full pipe would block the process): its first exception is kept for
 * {@link #finish}.
 */
final class LinePump {
  static final int MAX_LINE = 64 * 1024;
  private static final int TAIL_LINES = 5;

  private final InputStream in;
  private final LogSink.Stream stream;
  private final LogSink sink;
  private final Thread thread;
  // Written by the pump thread only; read after join(), which orders the accesses.
  private final ArrayDeque<String> tail = new ArrayDeque<>(TAIL_LINES);
  private volatile RuntimeException sinkFailure;
  private IOException readFailure;

  private LinePump(InputStream in, LogSink.Stream stream, LogSink sink, String threadName) {
    this.in = in;
    this.stream = stream;
    this.sink = sink;
    this.thread = new Thread(this::drain, threadName);
    thread.setDaemon(true);
  }

  static LinePump start(InputStream in, LogSink.Stream stream, LogSink sink, String threadName) {
    LinePump pump = new LinePump(in, stream, sink, threadName);
    pump.thread.start();
    return pump;
  }

  /** Waits for the end of the stream, at most {@code millis}; false if it has not ended by then. */
  boolean await(long millis) throws InterruptedException {
    thread.join(millis);
    return !thread.isAlive();
  }

  /**
   * The last few lines, oldest first, or none if the stream has not ended; rethrows what the sink
   * threw, and what reading threw.
   */
  List<String> finish() throws IOException {
    if (sinkFailure != null) {
      throw sinkFailure;
    }
    if (thread.isAlive()) {
      return List.of();
    }
    if (readFailure != null) {
      throw new IOException("Cannot read the container's " + stream, readFailure);
    }
    return List.copyOf(tail);
  }

  private void drain() {
    byte[] line = new byte[MAX_LINE];
    byte[] buffer = new byte[8192];
    int length = 0;
    try (in) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        for (int i = 0; i < n; i++) {
          byte b = buffer[i];
          if (b == '\n') {
            emitLine(line, length);
            length = 0;
            continue;
          }
          if (length == MAX_LINE) {
            length = emitPiece(line);
          }
          line[length++] = b;
        }
      }
      if (length > 0) {
        emitLine(line, length);
      }
    } catch (IOException e) {
      readFailure = e;
    }
  }

  /** Passes on a full buffer up to its last character boundary; returns what is left over. */
  private int emitPiece(byte[] line) {
    // A character is at most 4 bytes: a lead byte (11xxxxxx), then continuations (10xxxxxx).
    int start = MAX_LINE - 1;
    while (start > MAX_LINE - 4 && (line[start] & 0xC0) == 0x80) {
      start--;
    }
    int cut = (line[start] & 0xC0) == 0xC0 ? start : MAX_LINE;
    emit(line, cut);
    System.arraycopy(line, cut, line, 0, MAX_LINE - cut);
    return MAX_LINE - cut;
  }

  private void emitLine(byte[] line, int length) {
    emit(line, length > 0 && line[length - 1] == '\r' ? length - 1 : length);
  }

  private void emit(byte[] line, int length) {
    String text = new String(line, 0, length, StandardCharsets.UTF_8);
    if (tail.size() == TAIL_LINES) {
      tail.removeFirst();
    }
    tail.addLast(text);
    if (sinkFailure != null) {
      return;
    }
    try {
      sink.line(stream, text);
    } catch (RuntimeException e) {
      sinkFailure = e;
    }
  }
}
