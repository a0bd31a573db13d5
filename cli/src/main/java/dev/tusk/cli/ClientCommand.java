package dev.tusk.cli;

import dev.tusk.api.TuskClient;
import dev.tusk.api.TuskException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that talks to the daemon: connects to {@code --address}, runs, disconnects, and turns
 * "no daemon there" into one line that says where it looked and how to start one.
 */
abstract class ClientCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public final Integer call() throws Exception {
    Tusk tusk = (Tusk) spec.root().userObject();
    try (DaemonConnection connection = DaemonConnection.open(tusk.address())) {
      try {
        return run(connection.client());
      } catch (TuskException e) {
        throw DaemonConnection.isUnreachable(e) ? connection.unreachable(e) : e;
      }
    }
  }

  /** The command's work; returns the exit code. */
  protected abstract int run(TuskClient client) throws Exception;

  /** The daemon's address as given ({@code --address}, {@code TUSK_ADDRESS} or the default). */
  protected final String address() {
    return ((Tusk) spec.root().userObject()).address();
  }

  protected final Io io() {
    return ((Tusk) spec.root().userObject()).io();
  }
}
