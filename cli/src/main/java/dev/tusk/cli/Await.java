package dev.tusk.cli;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for work read ahead on other threads, with its I/O failure rethrown as it was. */
final class Await {
  private Await() {}

  /** The result of {@code future}; {@code what} names the thing read ("a file"), for the messages. */
  static <T> T result(Future<T> future, String what) throws IOException {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while reading " + what);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof UncheckedIOException unchecked) {
        throw unchecked.getCause();
      }
      throw new IllegalStateException("Cannot read " + what + ": " + cause, cause);
    }
  }
}
