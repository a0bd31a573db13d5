package dev.tusk.mount;

import dev.tusk.api.TuskClient;
import dev.tusk.chunkstore.ChunkStore;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A kernel mount of Tusk's repos at a directory, served by this process until it is unmounted
 * (by {@link #close()}, {@code tusk unmount} or {@code fusermount -u}). Commits the mount opened
 * for writes are finished when it ends.
 */
public final class TuskMount implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TuskMount.class);
  private static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
  /** Kernel read-ahead for the mount, in KiB: bigger sequential reads ask fewer, larger requests. */
  private static final int READ_AHEAD_KB = 1024;
  /**
   * Threads serving FUSE requests: the kernel keeps up to 12 read-ahead requests in flight, plus
   * the synchronous calls (lookups, opens) of the processes using the mount.
   */
  private static final int FUSE_THREADS = 16;

  private final TuskFs fs;
  private final MountOptions options;
  private final Path stagingDir;
  private final CompletableFuture<Integer> served;
  private boolean closed;

  private TuskMount(TuskFs fs, MountOptions options, Path stagingDir, CompletableFuture<Integer> served) {
    this.fs = fs;
    this.options = options;
    this.stagingDir = stagingDir;
    this.served = served;
  }

  /**
   * Mounts and returns once the kernel shows the mount.
   *
   * @param daemon a channel to the daemon
   * @param chunks the daemon's chunk store, opened by this process for direct reads
   */
  public static TuskMount mount(Channel daemon, ChunkStore chunks, MountOptions options) throws IOException {
    Path dir = options.mountPoint().toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      throw new IOException("Mount point " + dir + " is not a directory");
    }
    if (mountDevice(dir).isPresent()) {
      throw new IOException("Something is already mounted at " + dir);
    }
    TuskClient client = new TuskClient(ClientInterceptors.intercept(daemon, new CallDeadlines(CALL_TIMEOUT)));
    Path stagingDir = Files.createTempDirectory("tusk-mount-");
    TuskFs fs = new TuskFs(client, chunks, options, stagingDir);
    fs.connect();
    CompletableFuture<Integer> served = new CompletableFuture<>();
    Thread loop = new Thread(() -> {
      try {
        FuseLoop.serve(fs.operations(), dir, fuseOptions(options), FUSE_THREADS);
        served.complete(0);
      } catch (Throwable t) {
        served.completeExceptionally(t);
      }
    }, "tusk-fuse-" + dir.getFileName());
    loop.setDaemon(true);
    loop.start();
    TuskMount mount = new TuskMount(fs, options.withMountPoint(dir), stagingDir, served);
    mount.awaitMounted(dir);
    return mount;
  }

  public Path mountPoint() {
    return options.mountPoint();
  }

  /** Blocks until the mount goes away, however it was unmounted, then finishes its commits. */
  public void awaitUnmounted() throws InterruptedException {
    try {
      served.get();
    } catch (ExecutionException e) {
      LOG.warn("The FUSE loop for {} ended with {}", mountPoint(), e.getCause().toString());
    }
    close();
  }

  /** Unmounts (if still mounted), finishes the commits this mount wrote to, and cleans up. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (!served.isDone()) {
      if (!unmount(mountPoint())) {
        LOG.warn("Could not unmount {}", mountPoint());
      }
      try {
        served.get(MOUNT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        LOG.warn("The FUSE loop for {} did not end cleanly: {}", mountPoint(), e.toString());
      }
    }
    fs.finishCommits();
    try (Stream<Path> left = Files.list(stagingDir)) {
      for (Path file : left.toList()) {
        Files.deleteIfExists(file);
      }
      Files.deleteIfExists(stagingDir);
    } catch (IOException e) {
      LOG.warn("Could not remove the staging directory {}: {}", stagingDir, e.toString());
    }
  }

  /**
   * Unmounts whatever FUSE filesystem is at {@code dir}: fusermount, else (as root) umount, lazily
   * when busy. Returns whether it is gone.
   */
  public static boolean unmount(Path dir) {
    String path = dir.toAbsolutePath().normalize().toString();
    return run("fusermount", "-u", path) || run("umount", path) || run("umount", "-l", path);
  }

  /**
   * Lazily detaches every FUSE mount under {@code dir}, deepest first, without touching it: a
   * killed process's mount may never answer again (the fusermount that libfuse forked for another
   * of its mounts can inherit its /dev/fuse descriptor and keep it open), and a stat of it would
   * hang. Returns the mount points it detached.
   */
  public static List<String> detachAllUnder(Path dir) throws IOException {
    String prefix = dir.toAbsolutePath().normalize() + "/";
    List<String> stale = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] fields = line.split(" ");
      int dash = line.indexOf(" - ");
      if (fields.length > 4 && fields[4].startsWith(prefix) && dash > 0
          && line.substring(dash + 3).startsWith("fuse")) {
        stale.add(fields[4]);
      }
    }
    stale.sort(Comparator.reverseOrder()); // a nested mount sorts after its parent
    for (String path : stale) {
      if (!run("fusermount", "-u", "-z", path) && !run("umount", "-l", path)) {
        throw new IOException("Cannot detach the stale mount at " + path);
      }
    }
    return stale;
  }

  private void awaitMounted(Path dir) throws IOException {
    long deadline = System.nanoTime() + MOUNT_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<String> device = mountDevice(dir);
      if (device.isPresent()) {
        // The kernel caps read-ahead when libfuse answers its INIT: a stat waits for that answer,
        // so the larger setting written after it stays.
        Files.getLastModifiedTime(dir);
        raiseReadAhead(device.get());
        return;
      }
      if (served.isDone()) {
        break;
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    String why = served.isCompletedExceptionally() ? ": " + served.handle((r, t) -> t.toString()).join() : "";
    close();
    throw new IOException("Could not mount at " + dir + why
        + " (is FUSE installed: /dev/fuse and fusermount from the fuse package?)");
  }

  /** The device number ("major:minor") of the Tusk mount at {@code dir}, from mountinfo. */
  static Optional<String> mountDevice(Path dir) throws IOException {
    String target = dir.toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] fields = line.split(" ");
      int dash = line.indexOf(" - ");
      if (fields.length > 4 && fields[4].equals(target) && dash > 0
          && line.substring(dash + 3).startsWith("fuse.tusk ")) {
        return Optional.of(fields[2]);
      }
    }
    return Optional.empty();
  }

  private static void raiseReadAhead(String device) {
    Path setting = Path.of("/sys/class/bdi", device, "read_ahead_kb");
    try {
      Files.writeString(setting, Integer.toString(READ_AHEAD_KB));
    } catch (IOException e) {
      LOG.debug("Kernel read-ahead stays as it is ({}): {}", setting, e.toString());
    }
  }

  private static String[] fuseOptions(MountOptions options) {
    long timeout = Math.max(0, options.refresh().toMillis()) / 1000;
    List<String> o = new ArrayList<>(List.of(
        "fsname=tusk",
        "subtype=tusk",
        // Writes of 128 KiB instead of 4 KiB: five times the write speed.
        "big_writes",
        // Keep pages across opens unless size or mtime changed: commits never change, and a
        // branch's new commit has a new mtime.
        "auto_cache",
        "entry_timeout=" + timeout,
        "attr_timeout=" + timeout,
        "negative_timeout=" + timeout,
        // A killed mount process leaves no dead mount behind.
        "auto_unmount"));
    if (!options.write()) {
      o.add("ro");
    }
    if (options.allowOther()) {
      o.add("allow_other");
    }
    return new String[] {"-o", String.join(",", o)};
  }

  private static boolean run(String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getInputStream().readAllBytes();
      return process.waitFor(MOUNT_TIMEOUT.toSeconds(), TimeUnit.SECONDS) && process.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
