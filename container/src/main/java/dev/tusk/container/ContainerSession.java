package dev.tusk.container;

import java.io.IOException;

/**
 * A sandbox kept alive to run commands one after another, each seeing what a sandbox of its own
 * would show it: after {@link #run} returns, nothing the command started is still running, and
 * nothing it left in the places the runtime owns ({@code /tmp}, {@code /dev/shm}, IPC objects) is
 * there for the next command. What lies in the session's read-write binds is the caller's to empty.
 *
 * <p>When a command breaks the session (it killed the runtime's launcher, or something it left
 * cannot be cleared), the session closes itself: {@link #isOpen()} turns false and the caller opens
 * another. Not thread-safe: one command at a time.
 */
public interface ContainerSession extends AutoCloseable {

  /**
   * Runs one command to its end, passing each line it prints to {@code logs}. Interrupting the
   * calling thread closes the session (killing everything in it), then throws
   * InterruptedException.
   *
   * @throws IOException if the session is closed, or broke in a way that leaves the command's
   *     outcome unknown (it is closed then)
   */
  ExitStatus run(ContainerCommand command, LogSink logs) throws IOException, InterruptedException;

  /** Whether the next {@link #run} can use this session. */
  boolean isOpen();

  /** Kills everything in the sandbox and removes the session's scratch files. Idempotent. */
  @Override
  void close();
}
