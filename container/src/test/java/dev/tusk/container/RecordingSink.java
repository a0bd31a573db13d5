package dev.tusk.container;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps the lines a container prints, per stream. */
final class RecordingSink implements LogSink {
  private final List<String> stdout = new CopyOnWriteArrayList<>();
  private final List<String> stderr = new CopyOnWriteArrayList<>();

  @Override
  public void line(Stream stream, String line) {
    (stream == Stream.STDOUT ? stdout : stderr).add(line);
  }

  List<String> stdout() {
    return List.copyOf(stdout);
  }

  List<String> stderr() {
    return List.copyOf(stderr);
  }
}
