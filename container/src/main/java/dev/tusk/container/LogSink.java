package dev.tusk.container;

/** Receives what a container prints, a line at a time (without the newline), from any thread. */
@FunctionalInterface
public interface LogSink {
  enum Stream { STDOUT, STDERR }

  void line(Stream stream, String line);
}
