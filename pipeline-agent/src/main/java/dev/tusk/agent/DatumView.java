package dev.tusk.agent;

import dev.tusk.mount.TuskMount;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * A read-only FUSE filesystem that shows one datum's inputs at a time, as a session's sandbox sees
 * them at {@code /pfs}: {@code <name>/...} for each input (a {@link DatumLayout}, read through the
 * agent's mount of the commits) and an empty {@code out} directory, over which the sandbox binds the
 * real one. {@link #show} switches datums; between datums only {@code out} is there.
 *
 * <p>The kernel keeps nothing of one datum for the next: entries, attributes and misses time out at
 * once (every path lookup comes here and sees the layout of now), and without {@code kernel_cache}
 * or {@code auto_cache} every open drops the file's cached pages, so a path that shows other bytes,
 * or nothing, for the next datum is never served from an earlier one. Only the agent switches, and
 * only when no process of the sandbox is left, so no file stays open across a switch.
 */
final class DatumView extends FuseStubFS implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DatumView.class);
  private static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(10);
  private static final int BLOCK_SIZE = 128 << 10;
  private static final int O_ACCMODE = 3;
  private static final long EMPTY_HANDLE = 0;

  private final Path mountPoint;
  private final long uid;
  private final long gid;
  private final CompletableFuture<Void> served = new CompletableFuture<>();
  private final AtomicLong nextHandle = new AtomicLong(1);
  private final Map<Long, FileChannel> handles = new ConcurrentHashMap<>();
  private final ThreadLocal<ByteBuffer> buffers = ThreadLocal.withInitial(() -> ByteBuffer.allocate(BLOCK_SIZE));
  private volatile DatumLayout layout = DatumLayout.EMPTY;
  private boolean closed;

  private DatumView(Path mountPoint) throws IOException {
    this.mountPoint = mountPoint;
    this.uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    this.gid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:gid")).longValue();
  }

  /** Mounts an empty view at {@code dir} (created if missing) and returns once the kernel shows it. */
  static DatumView open(Path dir, boolean allowOther) throws IOException {
    Path point = Files.createDirectories(dir).toAbsolutePath().normalize();
    DatumView view = new DatumView(point);
    String options = "ro,fsname=tusk-datum,subtype=tusk-datum,entry_timeout=0,attr_timeout=0,"
        + "negative_timeout=0,auto_unmount" + (allowOther ? ",allow_other" : "");
    Thread loop = new Thread(() -> {
      try {
        view.mount(point, true, false, new String[] {"-o", options});
        view.served.complete(null);
      } catch (Throwable t) {
        view.served.completeExceptionally(t);
      }
    }, "tusk-datum-view-" + point.getFileName());
    loop.setDaemon(true);
    loop.start();
    long deadline = System.nanoTime() + MOUNT_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline && !view.served.isDone()) {
      if (mounted(point)) {
        Files.getLastModifiedTime(point); // waits for FUSE's INIT
        return view;
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    view.close();
    throw new IOException("Could not mount the datum view at " + point);
  }

  Path mountPoint() {
    return mountPoint;
  }

  /** Shows {@code next} from now on; call only when no process of the sandbox is left. */
  void show(DatumLayout next) {
    layout = next;
  }

  /** Shows no datum. */
  void clear() {
    layout = DatumLayout.EMPTY;
  }

  // ---- callbacks: none throws ----

  @Override
  public int getattr(String path, FileStat stat) {
    try {
      DatumLayout.Resolved found = layout.resolve(path);
      if (found == null) {
        return -ErrorCodes.ENOENT();
      }
      if (found.source() == null) {
        fillSkeleton(stat);
        return 0;
      }
      Map<String, Object> attrs;
      try {
        attrs = Files.readAttributes(found.source(), "unix:mode,size,nlink,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        if (found.explicit()) {
          fillSkeleton(stat);
          return 0;
        }
        return -ErrorCodes.ENOENT();
      }
      int mode = (Integer) attrs.get("mode");
      boolean dir = (mode & FileStat.S_IFMT) == FileStat.S_IFDIR;
      long size = dir || found.emptyFiles() ? 0 : (Long) attrs.get("size");
      stat.st_mode.set(mode);
      stat.st_nlink.set(dir ? 1 : (Integer) attrs.get("nlink"));
      fill(stat, size, ((FileTime) attrs.get("lastModifiedTime")).toInstant());
      return 0;
    } catch (IOException | RuntimeException e) {
      LOG.debug("getattr {}: {}", path, e.toString());
      return -ErrorCodes.EIO();
    }
  }

  @Override
  public int readdir(String path, Pointer buf, FuseFillDir filler, long offset, FuseFileInfo fi) {
    try {
      DatumLayout.Resolved found = layout.resolve(path);
      if (found == null) {
        return -ErrorCodes.ENOENT();
      }
      Set<String> names = new TreeSet<>(found.children());
      if (found.source() != null && Files.isDirectory(found.source(), LinkOption.NOFOLLOW_LINKS)) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(found.source())) {
          entries.forEach(entry -> names.add(entry.getFileName().toString()));
        }
      } else if (found.source() != null && !found.explicit()) {
        return -ErrorCodes.ENOTDIR();
      }
      filler.apply(buf, ".", null, 0);
      filler.apply(buf, "..", null, 0);
      for (String name : names) {
        filler.apply(buf, name, null, 0);
      }
      return 0;
    } catch (IOException | RuntimeException e) {
      LOG.debug("readdir {}: {}", path, e.toString());
      return -ErrorCodes.EIO();
    }
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    try {
      if ((fi.flags.get() & O_ACCMODE) != 0) {
        return -ErrorCodes.EROFS();
      }
      DatumLayout.Resolved found = layout.resolve(path);
      if (found == null) {
        return -ErrorCodes.ENOENT();
      }
      if (found.source() == null || Files.isDirectory(found.source(), LinkOption.NOFOLLOW_LINKS)) {
        return -ErrorCodes.EISDIR();
      }
      if (found.emptyFiles()) {
        fi.fh.set(EMPTY_HANDLE);
        return 0;
      }
      long handle = nextHandle.getAndIncrement();
      handles.put(handle, FileChannel.open(found.source(), StandardOpenOption.READ));
      fi.fh.set(handle);
      return 0;
    } catch (NoSuchFileException e) {
      return -ErrorCodes.ENOENT();
    } catch (IOException | RuntimeException e) {
      LOG.debug("open {}: {}", path, e.toString());
      return -ErrorCodes.EIO();
    }
  }

  @Override
  public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
    try {
      long handle = fi.fh.get();
      if (handle == EMPTY_HANDLE) {
        return 0;
      }
      FileChannel channel = handles.get(handle);
      if (channel == null) {
        return -ErrorCodes.EBADF();
      }
      ByteBuffer buffer = buffers.get();
      if (buffer.capacity() < size) {
        buffer = ByteBuffer.allocate((int) size);
        buffers.set(buffer);
      }
      buffer.clear().limit((int) size);
      int total = 0;
      while (buffer.hasRemaining()) {
        int n = channel.read(buffer, offset + total);
        if (n < 0) {
          break;
        }
        total += n;
      }
      buf.put(0, buffer.array(), 0, total);
      return total;
    } catch (IOException | RuntimeException e) {
      LOG.debug("read {}: {}", path, e.toString());
      return -ErrorCodes.EIO();
    }
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    FileChannel channel = handles.remove(fi.fh.get());
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.debug("release {}: {}", path, e.toString());
      }
    }
    return 0;
  }

  @Override
  public int statfs(String path, Statvfs stat) {
    stat.f_bsize.set(BLOCK_SIZE);
    stat.f_frsize.set(BLOCK_SIZE);
    stat.f_namemax.set(255);
    return 0;
  }

  private void fillSkeleton(FileStat stat) {
    stat.st_mode.set(FileStat.S_IFDIR | 0555);
    stat.st_nlink.set(1);
    fill(stat, 0, layout.created());
  }

  private void fill(FileStat stat, long size, Instant time) {
    stat.st_size.set(size);
    stat.st_blocks.set((size + 511) / 512);
    stat.st_blksize.set(BLOCK_SIZE);
    stat.st_uid.set(uid);
    stat.st_gid.set(gid);
    for (Timespec t : new Timespec[] {stat.st_mtim, stat.st_ctim, stat.st_atim}) {
      t.tv_sec.set(time.getEpochSecond());
      t.tv_nsec.set(time.getNano());
    }
  }

  /** Unmounts and waits (bounded) for the FUSE loop to end. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    layout = DatumLayout.EMPTY;
    if (!served.isDone()) {
      if (!TuskMount.unmount(mountPoint)) {
        LOG.warn("Could not unmount the datum view at {}", mountPoint);
      }
      try {
        served.get(MOUNT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        LOG.warn("The datum view's FUSE loop at {} did not end cleanly: {}", mountPoint, e.toString());
      }
    }
    handles.values().forEach(channel -> {
      try {
        channel.close();
      } catch (IOException e) {
        // closing anyway
      }
    });
    handles.clear();
  }

  private static boolean mounted(Path dir) throws IOException {
    String target = dir.toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] fields = line.split(" ");
      int dash = line.indexOf(" - ");
      if (fields.length > 4 && fields[4].equals(target) && dash > 0
          && line.substring(dash + 3).startsWith("fuse.tusk-datum ")) {
        return true;
      }
    }
    return false;
  }
}
