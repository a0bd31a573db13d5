package dev.tusk.mount;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.types.size_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.struct.FuseOperations;

/**
 * Mounts a jnr-fuse filesystem with libfuse2 and serves its requests from a fixed set of Java
 * threads, instead of libfuse's own multithreaded loop.
 *
 * <p>libfuse's loop starts a native thread whenever all of its threads are busy and ends threads
 * when more than ten are idle, so under load they come and go. jffi attaches such a thread to the
 * JVM for every callback and detaches it afterwards, until the thread has made 1,000 calls (a new
 * {@code java.lang.Thread} each time): a fresh mount made about one attach per 128 KiB read, 8,000
 * a GiB (bench/README.md, "Mount, 2026-12-04"). Here each worker is a Java thread that receives
 * a request from the kernel and processes it itself, so the callbacks run on a thread the JVM
 * already knows.
 */
final class FuseLoop {
  private static final Logger LOG = LoggerFactory.getLogger(FuseLoop.class);
  private static final int EINTR = 4;

  /** The part of libfuse2's API that its own loop uses (fuse.h, fuse_lowlevel.h). */
  public interface LibFuse2 {
    Pointer fuse_setup(int argc, String[] argv, Pointer operations, @size_t long operationsSize,
        Pointer mountPoint, Pointer multithreaded, Pointer userData);

    void fuse_teardown(Pointer fuse, Pointer mountPoint);

    @IgnoreError
    Pointer fuse_get_session(Pointer fuse);

    @IgnoreError
    Pointer fuse_session_next_chan(Pointer session, Pointer channel);

    @IgnoreError
    @size_t long fuse_chan_bufsize(Pointer channel);

    @IgnoreError
    int fuse_session_receive_buf(Pointer session, Pointer buf, Pointer channel);

    @IgnoreError
    void fuse_session_process_buf(Pointer session, Pointer buf, Pointer channel);

    @IgnoreError
    void fuse_session_exit(Pointer session);
  }

  /** libfuse2's {@code struct fuse_buf}: where one request is received. */
  static final class RequestBuffer extends Struct {
    final Struct.size_t size = new Struct.size_t();
    final Struct.Signed32 flags = new Struct.Signed32();
    final Struct.Pointer mem = new Struct.Pointer();
    final Struct.Signed32 fd = new Struct.Signed32();
    final Struct.off_t pos = new Struct.off_t();

    RequestBuffer(Runtime runtime) {
      super(runtime);
    }
  }

  private FuseLoop() {}

  /**
   * Mounts {@code operations} at {@code dir} with libfuse's command-line {@code options} and serves
   * requests on {@code threads} threads until the filesystem is unmounted; then returns, having
   * unmounted and freed libfuse's state. Throws if it cannot mount.
   */
  static void serve(FuseOperations operations, Path dir, String[] options, int threads) {
    LibFuse2 fuse = LibraryLoader.create(LibFuse2.class).failImmediately().load("fuse");
    Runtime runtime = Runtime.getRuntime(fuse);
    String[] argv = new String[options.length + 3];
    argv[0] = "tusk";
    argv[1] = "-f";
    System.arraycopy(options, 0, argv, 2, options.length);
    argv[argv.length - 1] = dir.toString();
    Pointer mountPoint = Memory.allocateDirect(runtime, runtime.addressSize(), true);
    Pointer multithreaded = Memory.allocateDirect(runtime, 4, true);
    Pointer handle = fuse.fuse_setup(argv.length, argv, Struct.getMemory(operations),
        Struct.size(operations), mountPoint, multithreaded, null);
    if (handle == null) {
      throw new IllegalStateException("libfuse could not mount " + dir + " (see its message above)");
    }
    try {
      Pointer session = fuse.fuse_get_session(handle);
      Pointer channel = fuse.fuse_session_next_chan(session, null);
      long bufferSize = fuse.fuse_chan_bufsize(channel);
      AtomicBoolean failed = new AtomicBoolean();
      List<Thread> workers = new ArrayList<>(threads);
      for (int i = 0; i < threads; i++) {
        Thread worker = new Thread(
            () -> work(fuse, runtime, session, channel, bufferSize, dir, failed),
            "tusk-fuse-" + dir.getFileName() + "-" + (i + 1));
        worker.setDaemon(true);
        workers.add(worker);
        worker.start();
      }
      for (Thread worker : workers) {
        joinUninterruptibly(worker);
      }
    } finally {
      // Unmounts unless the kernel already has, and frees the session: every worker has ended.
      fuse.fuse_teardown(handle, mountPoint.getPointer(0));
    }
  }

  /** One worker: receive a request, process it (the callbacks run here), until the session ends. */
  private static void work(LibFuse2 fuse, Runtime runtime, Pointer session, Pointer channel,
      long bufferSize, Path dir, AtomicBoolean failed) {
    Pointer memory = Memory.allocateDirect(runtime, bufferSize, false);
    RequestBuffer request = new RequestBuffer(runtime);
    request.useMemory(Memory.allocateDirect(runtime, Struct.size(request), true));
    Pointer buf = Struct.getMemory(request);
    Pointer channelRef = Memory.allocateDirect(runtime, runtime.addressSize(), true);
    while (true) {
      // As libfuse's loop: a fresh buffer description each time (receiving sets its size).
      request.size.set(bufferSize);
      request.mem.set(memory);
      request.flags.set(0);
      channelRef.putPointer(0, channel);
      int received = fuse.fuse_session_receive_buf(session, buf, channelRef);
      if (received == -EINTR) {
        continue;
      }
      if (received <= 0) {
        // 0: the session ended (unmounted: every worker's read returns ENODEV). An error ends the
        // session too; unmounting wakes the workers still waiting in the kernel.
        if (received < 0) {
          fuse.fuse_session_exit(session);
          if (failed.compareAndSet(false, true)) {
            LOG.warn("Reading FUSE requests for {} failed (errno {}): unmounting", dir, -received);
            TuskMount.unmount(dir);
          }
        }
        return;
      }
      fuse.fuse_session_process_buf(session, buf, channelRef.getPointer(0));
    }
  }

  private static void joinUninterruptibly(Thread thread) {
    boolean interrupted = false;
    while (true) {
      try {
        thread.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
