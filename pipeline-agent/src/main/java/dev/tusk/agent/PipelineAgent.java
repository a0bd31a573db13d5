package dev.tusk.agent;

import dev.tusk.agent.OutputCollector.BadOutputException;
import dev.tusk.api.TuskClient;
import dev.tusk.api.v1.DatumOutputs;
import dev.tusk.api.v1.DatumResult;
import dev.tusk.api.v1.DatumTask;
import dev.tusk.api.v1.PutContent;
import dev.tusk.api.v1.WorkerHello;
import dev.tusk.api.v1.WorkerMessage;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.container.ContainerRuntime;
import dev.tusk.container.ExitStatus;
import dev.tusk.mount.MountOptions;
import dev.tusk.mount.TuskMount;
import io.grpc.Channel;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a pipeline's datums as the daemon hands them out, one at a time and in order, over one
 * {@code Work} stream: mounts every repo read-only, then for each datum lays out its inputs, runs
 * the command in the container runtime, stores {@code /pfs/out} and reports. When the stream ends
 * the running datum is killed and {@link #run()} returns (the daemon completed the stream) or throws
 * (it broke); either way the mount is gone.
 */
public final class PipelineAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineAgent.class);
  /** Outputs per message: well under the 1 MiB the protocol asks for. */
  private static final int OUTPUT_BATCH_BYTES = 512 << 10;
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(15);
  private static final Pattern DATUM_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  private final AgentConfig config;
  private final Channel daemon;
  private final ChunkStore chunks;
  private final ContainerRuntime runtime;
  private final OutputCollector outputs;
  private final ReentrantLock lock = new ReentrantLock();
  private final CountDownLatch finished = new CountDownLatch(1);
  /** The thread in {@link #run()} while it processes a datum, so that a broken stream can kill it. */
  private Thread datumThread;
  private WorkStream stream;
  private boolean started;
  private boolean closed;

  /**
   * @param daemon a channel to the daemon, for the work stream and file lookups
   * @param chunks the daemon's chunk store, opened by this process: outputs are written to it
   */
  public PipelineAgent(AgentConfig config, Channel daemon, ChunkStore chunks, ContainerRuntime runtime) {
    this.config = config;
    this.daemon = daemon;
    this.chunks = chunks;
    this.runtime = runtime;
    this.outputs = new OutputCollector(chunks, new TuskClient(daemon));
  }

  /**
   * Serves datums until the work stream ends. Returns when the daemon completed it; throws when it
   * broke or the agent was closed. Call once.
   */
  public void run() throws IOException, InterruptedException {
    lock.lock();
    try {
      if (started || closed) {
        throw new IllegalStateException("An agent runs once");
      }
      started = true;
    } finally {
      lock.unlock();
    }
    try {
      Path pfs = Files.createDirectories(config.workDir().resolve("pfs"));
      Path datums = config.workDir().resolve("datums");
      deleteTree(datums); // what a killed predecessor left
      Files.createDirectories(datums);
      try (TuskMount mount = TuskMount.mount(daemon, chunks, mountOptions(pfs));
          SessionLane lane = new SessionLane(runtime, config.workDir().resolve("lane"), config.allowOther(),
              mount.mountPoint())) {
        serve(mount.mountPoint(), datums, lane);
      }
    } finally {
      finished.countDown();
    }
  }

  private void serve(Path pfs, Path datums, SessionLane lane) throws IOException, InterruptedException {
    WorkerHello hello = WorkerHello.newBuilder()
        .setPipeline(config.pipeline())
        .setWorker(config.worker())
        .setRuntime(runtime.name())
        .build();
    WorkStream opened = new WorkStream(daemon, hello, this::streamEnded);
    lock.lock();
    try {
      stream = opened;
      if (closed) {
        opened.close();
      }
    } finally {
      lock.unlock();
    }
    LOG.info("Agent {} of pipeline {} serving datums with {}", config.worker(), config.pipeline(), runtime.name());
    try (opened) {
      while (true) {
        DatumTask task;
        try {
          task = opened.take();
        } catch (IOException e) {
          if (opened.completedByDaemon()) {
            LOG.info("The daemon ended the work stream of agent {}", config.worker());
            return;
          }
          throw e;
        }
        runDatum(opened, task, pfs, datums, lane);
      }
    } finally {
      Thread.interrupted(); // a kill that came as the stream ended must not hit the unmount
    }
  }

  private void runDatum(WorkStream out, DatumTask task, Path pfs, Path datums, SessionLane lane)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    DatumLogs logs = new DatumLogs(out, task.getJob(), task.getDatum());
    Path datumDir = datums.resolve(DATUM_ID.matcher(task.getDatum()).matches() ? task.getDatum() : "datum");
    String error = null;
    List<PutContent> files = List.of();
    long ran = 0;
    long collected = 0;
    boolean reportable = false;
    setDatumThread(Thread.currentThread());
    boolean inLane = false;
    try {
      ExitStatus status;
      Path outDir;
      long before;
      if (lane.prepare(task)) {
        inLane = true;
        before = System.nanoTime();
        status = lane.run(task, logs);
        outDir = lane.outDir();
      } else {
        deleteTree(datumDir);
        DatumSandbox.Prepared prepared = DatumSandbox.prepare(task, pfs, datumDir);
        before = System.nanoTime();
        status = runtime.run(prepared.spec(), logs);
        outDir = prepared.outDir();
      }
      ran = System.nanoTime() - before;
      if (status.success()) {
        files = outputs.collect(outDir, task);
        collected = System.nanoTime() - before - ran;
      } else {
        logs.agent(status.description());
        error = String.join(" ", task.getTransform().getCmdList()) + " " + status.description();
      }
      reportable = true;
    } catch (BadOutputException | IllegalArgumentException e) {
      error = e.getMessage();
      logs.agent(error);
      reportable = true;
    } catch (IOException e) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedException("Stopped while running datum " + task.getDatum());
      }
      error = e.getMessage();
      logs.agent(error);
      LOG.warn("Datum {} of job {} (output commit {}) failed in the agent: {}", task.getDatum(), task.getJob(),
          task.getOutputCommit(), e.toString());
      reportable = true;
    } finally {
      setDatumThread(null);
      if (inLane) {
        lane.clearOutputs();
      }
      if (!reportable) { // killed: nothing will be reported
        deleteQuietly(datumDir);
      }
    }
    logs.finish();
    sendOutputs(out, task, files);
    out.send(WorkerMessage.newBuilder()
        .setResult(DatumResult.newBuilder()
            .setJob(task.getJob())
            .setDatum(task.getDatum())
            .setSuccess(error == null)
            .setError(error == null ? "" : error))
        .build());
    deleteQuietly(datumDir); // after the report: it is off the datum's critical path
    if (LOG.isDebugEnabled()) {
      LOG.debug("Datum {}: {} outputs; {} us in the container, {} us storing outputs, {} us in all", task.getDatum(),
          files.size(), ran / 1000, collected / 1000, (System.nanoTime() - start) / 1000);
    }
  }

  private static void sendOutputs(WorkStream out, DatumTask task, List<PutContent> files) throws IOException {
    DatumOutputs.Builder batch = newBatch(task);
    int bytes = 0;
    for (PutContent file : files) {
      int size = file.getSerializedSize() + 8;
      if (batch.getFilesCount() > 0 && bytes + size > OUTPUT_BATCH_BYTES) {
        out.send(WorkerMessage.newBuilder().setOutputs(batch).build());
        batch = newBatch(task);
        bytes = 0;
      }
      batch.addFiles(file);
      bytes += size;
    }
    if (batch.getFilesCount() > 0) {
      out.send(WorkerMessage.newBuilder().setOutputs(batch).build());
    }
  }

  private static DatumOutputs.Builder newBatch(DatumTask task) {
    return DatumOutputs.newBuilder().setJob(task.getJob()).setDatum(task.getDatum());
  }

  /** On a gRPC thread: the daemon ended the stream or it broke, so the running datum is killed. */
  private void streamEnded() {
    lock.lock();
    try {
      if (datumThread != null) {
        datumThread.interrupt();
      }
    } finally {
      lock.unlock();
    }
  }

  private void setDatumThread(Thread thread) {
    lock.lock();
    try {
      datumThread = thread;
    } finally {
      lock.unlock();
    }
  }

  private MountOptions mountOptions(Path pfs) {
    return new MountOptions(pfs, false, Set.of(), config.allowOther(), Duration.ofSeconds(1));
  }

  /**
   * Ends the work stream, kills the running datum and waits (bounded) until {@link #run()} has
   * cleaned up and unmounted. Idempotent.
   */
  @Override
  public void close() {
    WorkStream toClose;
    boolean running;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      toClose = stream;
      running = started;
      if (datumThread != null) {
        datumThread.interrupt();
      }
    } finally {
      lock.unlock();
    }
    if (toClose != null) {
      toClose.close();
    }
    if (running) {
      try {
        if (!finished.await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.warn("Agent {} did not stop within {}", config.worker(), CLOSE_TIMEOUT);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      deleteTree(dir);
    } catch (IOException e) {
      LOG.warn("Cannot delete {}: {}", dir, e.toString());
    }
  }

  /** Deletes a tree without following symlinks; nothing there is fine. */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
