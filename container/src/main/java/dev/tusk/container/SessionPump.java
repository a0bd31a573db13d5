package dev.tusk.container;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Drains one output stream of a session's sandbox for the sandbox's whole life, on a thread of its
 * own, and splits it by command: the lines of the command that runs go to its sink until the end
 * marker that the launcher prints once the command and everything it started are gone. Lines are
 * cut and decoded as {@link LinePump} does; a marker is never cut in two.
 */
final class SessionPump {
  static final String MARKER_START = "\u0001tusk-end:";
  private static final int MAX_LINE = LinePump.MAX_LINE;
  /** Longer than any marker: a piece cut at a full buffer keeps back a marker's beginning. */
  private static final int MARKER_ROOM = 128;
  private static final int TAIL_LINES = 5;

  private final InputStream in;
  private final LogSink.Stream stream;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  // Guarded by lock.
  private String marker;
  private LogSink sink;
  private String after;
  private boolean ended;
  private RuntimeException sinkFailure;
  private final ArrayDeque<String> tail = new ArrayDeque<>(TAIL_LINES);

  private SessionPump(InputStream in, LogSink.Stream stream) {
    this.in = in;
    this.stream = stream;
  }

  static SessionPump start(InputStream in, LogSink.Stream stream, String threadName) {
    SessionPump pump = new SessionPump(in, stream);
    Thread thread = new Thread(pump::drain, threadName);
    thread.setDaemon(true);
    thread.start();
    return pump;
  }

  /** From now on, lines go to {@code sink} until the marker of {@code token}. */
  void expect(String token, LogSink newSink) {
    lock.lock();
    try {
      marker = MARKER_START + token + "\u0001";
      sink = newSink;
      after = null;
      sinkFailure = null;
      tail.clear();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits for the marker; returns what followed it on its line, or null if the stream ended first
   * (the launcher is gone).
   */
  String await() throws InterruptedException {
    return await(Long.MAX_VALUE);
  }

  /** As {@link #await()}, but also null once {@code nanos} have passed. */
  String await(long nanos) throws InterruptedException {
    lock.lock();
    try {
      long left = nanos;
      while (after == null && !ended && left > 0) {
        left = changed.awaitNanos(left);
      }
      return after;
    } finally {
      lock.unlock();
    }
  }

  /** The last few lines of the command that ran last, oldest first. */
  List<String> tail() {
    lock.lock();
    try {
      return List.copyOf(tail);
    } finally {
      lock.unlock();
    }
  }

  /** What the sink threw for the command that ran last, if anything. */
  RuntimeException sinkFailure() {
    lock.lock();
    try {
      return sinkFailure;
    } finally {
      lock.unlock();
    }
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
            line(line, length > 0 && line[length - 1] == '\r' ? length - 1 : length);
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
        line(line, length);
      }
    } catch (IOException e) {
      // The sandbox is gone: the same as the end of the stream.
    } finally {
      lock.lock();
      try {
        ended = true;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /** Passes on a full buffer up to a character boundary before any marker; returns what is left. */
  private int emitPiece(byte[] line) {
    int cut = MAX_LINE;
    for (int i = MAX_LINE - 1; i >= MAX_LINE - MARKER_ROOM; i--) {
      if (line[i] == 1) {
        cut = i;
        break;
      }
    }
    if (cut == MAX_LINE) {
      // A character is at most 4 bytes: a lead byte (11xxxxxx), then continuations (10xxxxxx).
      int start = MAX_LINE - 1;
      while (start > MAX_LINE - 4 && (line[start] & 0xC0) == 0x80) {
        start--;
      }
      cut = (line[start] & 0xC0) == 0xC0 ? start : MAX_LINE;
    }
    emit(new String(line, 0, cut, StandardCharsets.UTF_8));
    System.arraycopy(line, cut, line, 0, MAX_LINE - cut);
    return MAX_LINE - cut;
  }

  private void line(byte[] line, int length) {
    String text = new String(line, 0, length, StandardCharsets.UTF_8);
    int at = text.indexOf(MARKER_START);
    if (at >= 0) {
      lock.lock();
      try {
        if (marker != null && text.startsWith(marker, at)) {
          if (at > 0) {
            emit(text.substring(0, at)); // the command's last line, without its newline
          }
          after = text.substring(at + marker.length());
          marker = null;
          sink = null;
          changed.signalAll();
          return;
        }
      } finally {
        lock.unlock();
      }
    }
    emit(text);
  }

  private void emit(String text) {
    LogSink current;
    lock.lock();
    try {
      current = sink;
      if (current == null) {
        return; // between commands nothing runs that could print
      }
      if (tail.size() == TAIL_LINES) {
        tail.removeFirst();
      }
      tail.addLast(text);
      if (sinkFailure != null) {
        return;
      }
    } finally {
      lock.unlock();
    }
    try {
      current.line(stream, text);
    } catch (RuntimeException e) {
      lock.lock();
      try {
        sinkFailure = e;
      } finally {
        lock.unlock();
      }
    }
  }
}
