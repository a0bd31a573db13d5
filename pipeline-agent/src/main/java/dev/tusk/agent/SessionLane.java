package dev.tusk.agent;

import dev.tusk.api.v1.DatumTask;
import dev.tusk.container.ContainerCommand;
import dev.tusk.container.ContainerRuntime;
import dev.tusk.container.ContainerSession;
import dev.tusk.container.ContainerSpec;
import dev.tusk.container.ExitStatus;
import dev.tusk.container.LogSink;
import dev.tusk.container.SessionSpec;
import dev.tusk.container.StepTimes;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's fast path: one sandbox kept for datum after datum (a {@link ContainerSession}),
 * seeing {@code /pfs} through a {@link DatumView} switched to each datum's inputs, with one host
 * directory bound at {@code /pfs/out} that is emptied once a datum's outputs are stored. Used where
 * the runtime keeps sessions (bubblewrap); elsewhere ({@link #prepare} says false) each datum gets
 * a sandbox of its own through {@link DatumSandbox}.
 */
final class SessionLane implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SessionLane.class);

  /** What a session's sandbox is made for: datums that differ in these need another. */
  private record Key(String image, ContainerSpec.Resources resources, Set<String> inputNames) {}

  private final ContainerRuntime runtime;
  private final Path dir;
  private final boolean allowOther;
  private final Path pfsMount;
  private final ExecutorService cleaner;
  private DatumView view;
  private ContainerSession session;
  private Key key;
  /** What the view shows between datums: the input names' mount points, empty. */
  private DatumLayout idle = DatumLayout.EMPTY;
  private Path outDir;
  private Path rootDir;
  private int generation;
  private long trashed;
  private boolean unsupported;

  /**
   * @param dir the lane's own directory: the view's mount point, the out directory, scratch
   * @param pfsMount where the agent's mount shows {@code repo@commit} directories
   */
  SessionLane(ContainerRuntime runtime, Path dir, boolean allowOther, Path pfsMount) throws IOException {
    this.runtime = runtime;
    this.dir = dir;
    this.allowOther = allowOther;
    this.pfsMount = pfsMount;
    // What a killed predecessor left.
    PipelineAgent.deleteTree(dir.resolve("trash"));
    PipelineAgent.deleteTree(dir.resolve("staged"));
    this.cleaner = Executors.newSingleThreadExecutor(r -> {
      Thread thread = new Thread(r, "tusk-agent-out-cleaner");
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * Readies a sandbox for {@code task}; false if the runtime keeps none (run the datum in a sandbox
   * of its own).
   *
   * @throws IOException if the runtime keeps sessions but cannot start this one
   */
  boolean prepare(DatumTask task) throws IOException, InterruptedException {
    if (unsupported) {
      return false;
    }
    if (view == null) {
      try {
        view = DatumView.open(dir.resolve("view"), allowOther);
      } catch (IOException e) {
        LOG.warn("No datum view ({}): each datum gets a sandbox of its own", e.getMessage());
        unsupported = true;
        return false;
      }
    }
    var resources = task.getResources();
    Key wanted = new Key(task.getTransform().getImage(),
        new ContainerSpec.Resources(resources.getCpu(), resources.getMemoryBytes(), resources.getGpu()),
        new TreeSet<>(DatumSandbox.inputsByName(task).keySet()));
    if (session != null && (!session.isOpen() || !wanted.equals(key))) {
      closeSession();
    }
    if (session == null) {
      outDir = dir.resolve("out-" + generation++);
      PipelineAgent.deleteTree(outDir);
      Files.createDirectories(outDir);
      // The command may run as any user (a Docker image's USER): let it write its outputs.
      Files.setPosixFilePermissions(outDir, PosixFilePermissions.fromString("rwxrwxrwx"));
      // /pfs is a plain directory holding the mount points, so that paths into /pfs/out never
      // ask the view (whose entries the kernel asks again on every lookup); each input's
      // directory is the view's, whose contents switch with the datum.
      Path root = dir.resolve("pfs-" + (generation - 1));
      rootDir = root;
      PipelineAgent.deleteTree(root);
      Files.createDirectories(root.resolve("out"));
      List<ContainerSpec.Bind> binds = new ArrayList<>();
      binds.add(new ContainerSpec.Bind(root, DatumSandbox.PFS, true));
      for (String name : wanted.inputNames()) {
        Files.createDirectories(root.resolve(name));
        binds.add(new ContainerSpec.Bind(view.mountPoint().resolve(name), DatumSandbox.PFS + "/" + name, true));
      }
      binds.add(new ContainerSpec.Bind(outDir, DatumSandbox.OUT, false));
      idle = DatumLayout.names(wanted.inputNames());
      view.show(idle);
      SessionSpec spec = new SessionSpec(wanted.image(), binds, wanted.resources(), dir.resolve("scratch"));
      Optional<ContainerSession> opened = runtime.openSession(spec);
      if (opened.isEmpty()) {
        LOG.info("The {} runtime keeps no sandbox for many datums: each gets one of its own", runtime.name());
        unsupported = true;
        view.close();
        view = null;
        return false;
      }
      session = opened.get();
      key = wanted;
    }
    return true;
  }

  /** Runs a prepared datum; what it wrote is in {@link #outDir()} until {@link #clearOutputs()}. */
  ExitStatus run(DatumTask task, LogSink logs) throws IOException, InterruptedException {
    var transform = task.getTransform();
    ContainerCommand command =
        new ContainerCommand(transform.getCmdList(), transform.getStdinList(), DatumSandbox.environment(task));
    long start = System.nanoTime();
    view.show(DatumLayout.of(task, pfsMount));
    StepTimes.since("agent.layout", start);
    try {
      return session.run(command, logs);
    } finally {
      // The session has ended every process of the datum (or the sandbox with them).
      view.show(idle);
    }
  }

  Path outDir() {
    return outDir;
  }

  /**
   * Moves what the last datum wrote to a directory of its own, for storing while the next datum
   * runs; delete it with {@link #delete} once done.
   *
   * @throws IOException if not everything could be moved (the next datum gets a new sandbox)
   */
  Path takeOutputs() throws IOException {
    Path staged = dir.resolve("staged").resolve(Long.toString(trashed++));
    Files.createDirectories(staged);
    try {
      moveAll(staged);
      return staged;
    } catch (IOException | RuntimeException e) {
      closeSession();
      delete(staged);
      throw new IOException("Cannot take the outputs from " + DatumSandbox.OUT + ": " + e.getMessage(), e);
    }
  }

  /**
   * Moves what the last datum wrote out of the way (deleted in the background); if something
   * cannot be moved, the next datum gets a new sandbox and out directory.
   */
  void clearOutputs() {
    if (outDir == null) {
      return; // the session is gone, and its out directory with it
    }
    try {
      Path bin = dir.resolve("trash").resolve(Long.toString(trashed++));
      Files.createDirectories(bin);
      moveAll(bin);
      delete(bin);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Cannot empty {} ({}): the next datum gets a new sandbox", outDir, e.toString());
      closeSession();
    }
  }

  /** Deletes {@code path} in the background. */
  void delete(Path path) {
    if (!cleaner.isShutdown()) {
      cleaner.execute(() -> deleteQuietly(path));
    }
  }

  private void moveAll(Path into) throws IOException {
    Files.setPosixFilePermissions(outDir, PosixFilePermissions.fromString("rwxrwxrwx"));
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(outDir)) {
      listing.forEach(entries::add);
    }
    for (Path entry : entries) {
      if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
        // Moving a directory writes its "..": the datum may have taken that right away.
        Files.setPosixFilePermissions(entry, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
      Files.move(entry, into.resolve(entry.getFileName()));
    }
  }

  private void closeSession() {
    if (session != null) {
      session.close();
      session = null;
    }
    if (outDir != null) {
      delete(outDir);
      delete(rootDir);
    }
    outDir = null;
  }

  private static void deleteQuietly(Path path) {
    try {
      PipelineAgent.deleteTree(path);
    } catch (IOException e) {
      LOG.warn("Cannot delete {}: {}", path, e.toString());
    }
  }

  /** Stops the sandbox, unmounts the view, and waits (bounded) for the cleanup. Idempotent. */
  @Override
  public void close() {
    closeSession();
    if (view != null) {
      view.close();
      view = null;
    }
    cleaner.shutdown();
    try {
      if (!cleaner.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("Still deleting old outputs under {}", dir);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
