package dev.tusk.cli;

import ch.qos.logback.classic.Level;
import dev.tusk.api.TuskException;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ChunkStoreConfig;
import dev.tusk.chunkstore.ObjectStores;
import dev.tusk.mount.MountOptions;
import dev.tusk.mount.TuskMount;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tusk mount DIR} serves the repos at DIR in the foreground; {@code tusk unmount DIR} ends it. */
final class MountCommands {
  private MountCommands() {}

  @Command(
      name = "mount",
      description = {
        "Mount every repo at DIR, in the foreground until unmounted (Ctrl-C, tusk unmount DIR):",
        "DIR/repo@branch follows the branch; DIR/repo@<commit> and DIR/repo@branch^N are fixed."
      })
  static final class Mount implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "An existing empty directory.")
    Path dir;

    @Option(
        names = "--write",
        description = "Writes under DIR/repo@branch go into an open commit on the branch, finished"
            + " by tusk finish commit or at unmount.")
    boolean write;

    @Option(names = "--repos", split = ",", paramLabel = "REPO", description = "Only these repos.")
    List<String> repos = List.of();

    @Option(names = "--allow-other", description = "Let other users read the mount too.")
    boolean allowOther;

    @Option(
        names = "--store",
        paramLabel = "URL",
        description = "The daemon's object store, read directly (default: the daemon says where).")
    String store;

    @Option(
        names = "--refresh",
        paramLabel = "SECONDS",
        description = "How soon a branch's new commits show (default: ${DEFAULT-VALUE}).")
    double refreshSeconds = 1;

    @Override
    public Integer call() throws Exception {
      Tusk tusk = (Tusk) spec.root().userObject();
      Io io = tusk.io();
      if (io.getenv("TUSK_LOG_LEVEL") == null) {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.tusk")).setLevel(Level.INFO);
      }
      MountOptions options = new MountOptions(
          dir, write, new LinkedHashSet<>(repos), allowOther,
          Duration.ofMillis(Math.round(refreshSeconds * 1000)));
      try (DaemonConnection connection = DaemonConnection.open(tusk.address())) {
        String url;
        try {
          url = store != null ? store : connection.client().getStore();
        } catch (TuskException e) {
          throw DaemonConnection.isUnreachable(e) ? connection.unreachable(e) : e;
        }
        try (ChunkStore chunks = new ChunkStore(ObjectStores.open(url), ChunkStoreConfig.defaults())) {
          TuskMount mount = TuskMount.mount(connection.channel(), chunks, options);
          // SIGINT and SIGTERM run this: unmount, then finish the commits the mount wrote to.
          Runtime.getRuntime().addShutdownHook(new Thread(mount::close, "tusk-unmount"));
          io.out().println("mounted " + mount.mountPoint());
          io.out().flush();
          mount.awaitUnmounted();
        }
      }
      return 0;
    }
  }

  @Command(name = "unmount", description = "Unmount a tusk mount; the mount finishes its open commits.")
  static final class Unmount implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "DIR")
    Path dir;

    @Override
    public Integer call() {
      if (TuskMount.unmount(dir)) {
        return 0;
      }
      ((Tusk) spec.root().userObject()).io().err().println("tusk: nothing is mounted at " + dir + ", or it is busy");
      return 1;
    }
  }
}
