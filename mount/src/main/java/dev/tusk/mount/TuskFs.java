package dev.tusk.mount;

import dev.tusk.api.TuskClient;
import dev.tusk.api.v1.FileInfo;
import dev.tusk.api.v1.FileType;
import dev.tusk.chunkstore.ChunkId;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ContentReader;
import dev.tusk.chunkstore.DataRef;
import dev.tusk.chunkstore.FileContent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.FuseOperations;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The FUSE callbacks: {@code /repo@ref/path} served from the daemon's metadata and the chunk store,
 * and, for writable branches, writes chunked into the store as they come (or, when a file is not
 * written front to back, staged in a local file) and put into an open commit when their file is
 * closed ({@link StagedFile}). No callback throws: every failure becomes an errno through {@link Errno}.
 */
final class TuskFs extends FuseStubFS {
  private static final Logger LOG = LoggerFactory.getLogger(TuskFs.class);
  private static final int O_ACCMODE = 3;
  private static final int O_TRUNC = 01000;
  /** Announced as the preferred I/O size: tools such as cp then read in 128 KiB pieces. */
  private static final int BLOCK_SIZE = 128 << 10;

  private final Namespace namespace;
  private final BranchWriter writer;
  private final ChunkStore chunks;
  private final Path stagingDir;
  private final long uid;
  private final long gid;
  private final Instant mounted = Instant.now();
  private final AtomicLong nextHandle = new AtomicLong(1);
  /** Open files: a {@link ContentReader} of a commit's file, or a {@link StagedFile}. */
  private final Map<Long, Object> handles = new ConcurrentHashMap<>();
  /** Files being written, by their FUSE path. */
  private final Map<String, StagedFile> staged = new ConcurrentHashMap<>();

  TuskFs(TuskClient client, ChunkStore chunks, MountOptions options, Path stagingDir) throws IOException {
    this.namespace = new Namespace(client, options);
    this.writer = new BranchWriter(client, namespace);
    this.chunks = chunks;
    this.stagingDir = stagingDir;
    this.uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    this.gid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:gid")).longValue();
  }

  /** The callbacks as libfuse takes them, for {@link FuseLoop}. */
  FuseOperations operations() {
    return fuseOperations;
  }

  /** Finishes the open commits this mount wrote to. */
  void finishCommits() {
    writer.finishAll();
  }

  @FunctionalInterface
  private interface Callback {
    int run() throws Exception;
  }

  private static int call(String operation, String path, Callback callback) {
    try {
      return callback.run();
    } catch (Throwable t) {
      return Errno.of(t, operation, path);
    }
  }

  /**
   * Lists the repos and branches once, before the kernel sends anything: connects to the daemon
   * and loads the classes of a first call, which otherwise cost the first {@code ls} about half a
   * second in a fresh process. A daemon that does not answer yet is not an error here.
   */
  void connect() {
    try {
      namespace.topNames();
    } catch (RuntimeException e) {
      LOG.debug("The daemon did not answer yet: {}", e.toString());
    }
  }

  // ---- reading ----

  @Override
  public int getattr(String path, FileStat stat) {
    return call("getattr", path, () -> {
      FusePath p = FusePath.parse(path);
      if (p.isRoot()) {
        fillDir(stat, mounted.getEpochSecond(), mounted.getNano(), false);
        return 0;
      }
      StagedFile file = staged.get(path);
      if (file != null) {
        long now = System.currentTimeMillis();
        fillFile(stat, file.size(), now / 1000, (int) (now % 1000) * 1_000_000, true);
        return 0;
      }
      Snapshot snapshot = namespace.snapshot(p);
      if (p.isTop()) {
        fillDir(stat, snapshot.epochSecond(), snapshot.nano(), snapshot.writable());
        return 0;
      }
      FileInfo info = namespace.stat(snapshot, p);
      if (info.getType() == FileType.DIR) {
        fillDir(stat, snapshot.epochSecond(), snapshot.nano(), snapshot.writable());
      } else {
        fillFile(stat, info.getSizeBytes(), snapshot.epochSecond(), snapshot.nano(), snapshot.writable());
      }
      return 0;
    });
  }

  @Override
  public int readdir(String path, Pointer buf, FuseFillDir filler, long offset, FuseFileInfo fi) {
    return call("readdir", path, () -> {
      FusePath p = FusePath.parse(path);
      filler.apply(buf, ".", null, 0);
      filler.apply(buf, "..", null, 0);
      if (p.isRoot()) {
        for (String name : namespace.topNames()) {
          filler.apply(buf, name, null, 0);
        }
        return 0;
      }
      Snapshot snapshot = namespace.snapshot(p);
      if (!p.isTop() && namespace.stat(snapshot, p).getType() != FileType.DIR) {
        return -ErrorCodes.ENOTDIR();
      }
      Set<String> stagedHere = stagedChildren(path);
      namespace.list(snapshot, p, info -> {
        String name = info.getPath().substring(info.getPath().lastIndexOf('/') + 1);
        stagedHere.remove(name);
        filler.apply(buf, name, null, 0);
      });
      for (String name : stagedHere) {
        filler.apply(buf, name, null, 0);
      }
      return 0;
    });
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    return call("open", path, () -> {
      int flags = fi.flags.get();
      StagedFile file;
      if ((flags & O_ACCMODE) != 0) {
        file = stage(path, (flags & O_TRUNC) != 0);
      } else {
        file = staged.get(path);
        if (file != null) {
          file.opened();
        }
      }
      if (file != null) {
        fi.fh.set(register(file));
        return 0;
      }
      FusePath p = FusePath.parse(path);
      if (p.isTop()) {
        return -ErrorCodes.EISDIR();
      }
      Snapshot snapshot = namespace.snapshot(p);
      FileInfo info = namespace.stat(snapshot, p);
      if (info.getType() == FileType.DIR) {
        return -ErrorCodes.EISDIR();
      }
      fi.fh.set(register(chunks.reader(content(info))));
      // Opening a directory's files in order: fetch the next ones' chunks while this one is read.
      List<FileInfo> next = namespace.readAheadAfter(snapshot, p, siblingReadAheadBytes());
      if (!next.isEmpty()) {
        chunks.prefetch(SiblingReadAhead.chunksOf(next));
      }
      return 0;
    });
  }

  @Override
  public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
    return call("read", path, () -> {
      Object handle = handles.get(fi.fh.get());
      if (handle instanceof StagedFile file) {
        return file.read(buf, (int) size, offset);
      }
      if (!(handle instanceof ContentReader reader)) {
        return -ErrorCodes.EBADF();
      }
      // Straight from the cached, verified chunk into the kernel's buffer: one copy.
      int total = 0;
      while (total < size) {
        ByteBuffer piece = reader.slice(offset + total, (int) (size - total));
        if (!piece.hasRemaining()) {
          break;
        }
        buf.put(total, piece.array(), piece.arrayOffset() + piece.position(), piece.remaining());
        total += piece.remaining();
      }
      return total;
    });
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    return call("release", path, () -> {
      if (handles.remove(fi.fh.get()) instanceof StagedFile file) {
        release(file);
      }
      return 0;
    });
  }

  @Override
  public int statfs(String path, Statvfs stat) {
    // Space is the object store's, which has no fixed size: report plenty, as network filesystems do.
    stat.f_bsize.set(BLOCK_SIZE);
    stat.f_frsize.set(BLOCK_SIZE);
    stat.f_blocks.set(1L << 30);
    stat.f_bfree.set(1L << 30);
    stat.f_bavail.set(1L << 30);
    stat.f_files.set(1L << 30);
    stat.f_ffree.set(1L << 30);
    stat.f_favail.set(1L << 30);
    stat.f_namemax.set(255);
    return 0;
  }

  /** As far ahead as a sequential reader of one file reads: the store's read-ahead. */
  private long siblingReadAheadBytes() {
    return (long) chunks.config().readAheadChunks() * chunks.config().chunker().avgSize();
  }

  // ---- writing ----

  @Override
  public int create(String path, long mode, FuseFileInfo fi) {
    return call("create", path, () -> {
      fi.fh.set(register(stage(path, true)));
      return 0;
    });
  }

  @Override
  public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
    return call("write", path, () -> {
      if (!(handles.get(fi.fh.get()) instanceof StagedFile file)) {
        return -ErrorCodes.EBADF();
      }
      return file.write(buf, (int) size, offset);
    });
  }

  @Override
  public int flush(String path, FuseFileInfo fi) {
    // close() waits for flush but not for release: upload here, so that a file is in the open
    // commit when the program that wrote it has closed it.
    return call("flush", path, () -> {
      if (handles.get(fi.fh.get()) instanceof StagedFile file) {
        upload(file);
      }
      return 0;
    });
  }

  @Override
  public int fsync(String path, int isdatasync, FuseFileInfo fi) {
    return flush(path, fi);
  }

  @Override
  public int truncate(String path, long size) {
    return call("truncate", path, () -> {
      StagedFile file = stage(path, size == 0);
      try {
        file.truncate(size);
      } finally {
        release(file);
      }
      return 0;
    });
  }

  @Override
  public int ftruncate(String path, long size, FuseFileInfo fi) {
    return call("ftruncate", path, () -> {
      if (!(handles.get(fi.fh.get()) instanceof StagedFile file)) {
        return -ErrorCodes.EBADF();
      }
      file.truncate(size);
      return 0;
    });
  }

  @Override
  public int unlink(String path) {
    return call("unlink", path, () -> {
      FusePath p = writable(path);
      StagedFile file = staged.remove(path);
      if (file != null) {
        file.delete();
      }
      FileInfo info = existing(p);
      if (info == null) {
        return file != null ? 0 : -ErrorCodes.ENOENT();
      }
      if (info.getType() == FileType.DIR) {
        return -ErrorCodes.EISDIR();
      }
      writer.apply(p.repo(), p.ref(), upload -> upload.delete(p.inner()));
      return 0;
    });
  }

  @Override
  public int mkdir(String path, long mode) {
    return call("mkdir", path, () -> {
      FusePath p = writable(path);
      if (staged.containsKey(path) || existing(p) != null) {
        return -ErrorCodes.EEXIST();
      }
      writer.apply(p.repo(), p.ref(), upload -> upload.makeDir(p.inner()));
      return 0;
    });
  }

  @Override
  public int rmdir(String path) {
    return call("rmdir", path, () -> {
      FusePath p = writable(path);
      FileInfo info = existing(p);
      if (info == null) {
        return -ErrorCodes.ENOENT();
      }
      if (info.getType() != FileType.DIR) {
        return -ErrorCodes.ENOTDIR();
      }
      boolean[] empty = {stagedChildren(path).isEmpty()};
      namespace.list(namespace.snapshot(p), p, entry -> empty[0] = false);
      if (!empty[0]) {
        return -ErrorCodes.ENOTEMPTY();
      }
      writer.apply(p.repo(), p.ref(), upload -> upload.delete(p.inner()));
      return 0;
    });
  }

  @Override
  public int rename(String oldpath, String newpath) {
    return call("rename", oldpath, () -> {
      FusePath from = writable(oldpath);
      FusePath to = writable(newpath);
      if (!from.repo().equals(to.repo()) || !from.ref().equals(to.ref())) {
        return -ErrorCodes.EXDEV();
      }
      StagedFile file = staged.get(oldpath);
      if (file != null) {
        upload(file);
      }
      if (existing(from) == null) {
        return -ErrorCodes.ENOENT();
      }
      String source = from.repo() + "@" + from.ref() + ":" + from.inner();
      writer.apply(from.repo(), from.ref(), upload -> upload.copy(source, to.inner()).delete(from.inner()));
      if (file != null && staged.remove(oldpath, file)) {
        file.moveTo(to);
        staged.put(newpath, file);
      }
      return 0;
    });
  }

  /** Modes and times are not versioned: accept the calls that cp -p and touch make, as no-ops. */
  @Override
  public int utimens(String path, Timespec[] timespec) {
    return call("utimens", path, () -> {
      writable(path);
      return 0;
    });
  }

  @Override
  public int chmod(String path, long mode) {
    return call("chmod", path, () -> {
      writable(path);
      return 0;
    });
  }

  // ---- helpers ----

  private long register(Object handle) {
    long fh = nextHandle.getAndIncrement();
    handles.put(fh, handle);
    return fh;
  }

  /** The staged file at {@code path}, opened once more: a new one, empty or with its bytes. */
  private StagedFile stage(String path, boolean empty) throws IOException {
    FusePath p = writable(path);
    while (true) {
      StagedFile file = staged.get(path);
      if (file == null) {
        FileInfo info = empty ? null : existing(p);
        if (info != null && info.getType() == FileType.DIR) {
          throw new Errno.FuseError(ErrorCodes.EISDIR(), path);
        }
        StagedFile fresh = StagedFile.create(p, stagingDir, info == null ? null : content(info), chunks);
        fresh.opened();
        if (staged.putIfAbsent(path, fresh) == null) {
          return fresh;
        }
        fresh.discard();
        continue;
      }
      file.opened();
      if (empty) {
        file.truncate(0);
      }
      return file;
    }
  }

  private void release(StagedFile file) throws IOException {
    if (file.released()) {
      try {
        upload(file);
      } finally {
        unstage(file);
      }
    }
  }

  private void unstage(StagedFile file) throws IOException {
    staged.remove(file.path().fusePath(), file);
    file.discard();
  }

  private void upload(StagedFile file) throws IOException {
    if (!file.takeDirty()) {
      return;
    }
    FusePath p = file.path();
    try {
      FileContent streamed = file.streamedContent();
      writer.apply(p.repo(), p.ref(), upload -> {
        if (streamed != null) {
          upload.putContent(p.inner(), streamed.hash(), streamed.size(), ContentRefs.dataRefs(streamed));
          return;
        }
        try (var in = file.content()) {
          upload.put(p.inner(), in, file.size());
        }
      });
    } catch (IOException | RuntimeException e) {
      file.markDirty(); // try again at the next flush or release
      throw e;
    }
  }

  /** The parts of {@code path}, which must lie in a writable branch; else EROFS. */
  private FusePath writable(String path) {
    FusePath p = FusePath.parse(path);
    if (p.isRoot() || p.isTop() || !namespace.snapshot(p).writable()) {
      throw Errno.erofs(path);
    }
    return p;
  }

  /** What is at {@code p} in its branch now, or null. */
  private FileInfo existing(FusePath p) {
    try {
      return namespace.stat(namespace.snapshot(p), p);
    } catch (RuntimeException e) {
      if (e instanceof Errno.FuseError || Namespace.isNotFound(e)) {
        return null;
      }
      throw e;
    }
  }

  /** The names of staged files directly in the directory at FUSE path {@code dir}. */
  private Set<String> stagedChildren(String dir) {
    String prefix = dir.endsWith("/") ? dir : dir + "/";
    Set<String> names = new HashSet<>();
    for (String path : staged.keySet()) {
      if (path.startsWith(prefix) && path.indexOf('/', prefix.length()) < 0) {
        names.add(path.substring(prefix.length()));
      }
    }
    return names;
  }

  private static FileContent content(FileInfo info) {
    List<DataRef> refs = new ArrayList<>(info.getDataCount());
    for (dev.tusk.api.v1.DataRef ref : info.getDataList()) {
      refs.add(new DataRef(ChunkId.fromDigest(ref.getChunk().toByteArray()), ref.getOffset(), ref.getLength()));
    }
    return new FileContent(info.getHash(), info.getSizeBytes(), refs);
  }

  private void fillDir(FileStat stat, long seconds, int nanos, boolean writable) {
    stat.st_mode.set(FileStat.S_IFDIR | (writable ? 0755 : 0555));
    // 1, not 2 + subdirectories: tells find and fts not to count on the link count.
    stat.st_nlink.set(1);
    fillCommon(stat, 0, seconds, nanos);
  }

  private void fillFile(FileStat stat, long size, long seconds, int nanos, boolean writable) {
    stat.st_mode.set(FileStat.S_IFREG | (writable ? 0644 : 0444));
    stat.st_nlink.set(1);
    fillCommon(stat, size, seconds, nanos);
  }

  private void fillCommon(FileStat stat, long size, long seconds, int nanos) {
    stat.st_size.set(size);
    stat.st_blocks.set((size + 511) / 512);
    stat.st_blksize.set(BLOCK_SIZE);
    stat.st_uid.set(uid);
    stat.st_gid.set(gid);
    for (Timespec time : new Timespec[] {stat.st_mtim, stat.st_ctim, stat.st_atim}) {
      time.tv_sec.set(seconds);
      time.tv_nsec.set(nanos);
    }
  }
}
