package dev.tusk.agent;

import dev.tusk.api.TuskClient;
import dev.tusk.api.v1.DatumTask;
import dev.tusk.api.v1.WorkerHello;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.container.ContainerRuntime;
import dev.tusk.container.ExitStatus;
import dev.tusk.container.StepTimes;
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
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a pipeline's datums as the daemon hands them out, one at a time and in order, over one
 * {@code Work} stream: mounts every repo read-only, then for each datum shows it its inputs and runs
 * the command, in the one sandbox that a {@link SessionLane} keeps where the runtime allows
 * (bubblewrap), else in a sandbox of its own laid out by {@link DatumSandbox} (Docker); a {@link
 * DatumReporter} stores {@code /pfs/out} and reports while the next datum runs. When the stream
 * ends the running datum is killed and {@link #run()} returns (the daemon completed the stream) or
 * throws (it broke); either way the mount is gone.
 */
public final class PipelineAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineAgent.class);
  /** At debug level: where datums spend their time, every {@link #TIMINGS_EVERY} datums. */
  private static final Logger TIMINGS = LoggerFactory.getLogger("dev.tusk.agent.timings");
  private static final int TIMINGS_EVERY = 1000;
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
  /** Datums run so far; only the thread in {@link #run()} counts. */
  private long datumRuns;
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
      for (String stale : TuskMount.detachAllUnder(config.workDir())) {
        LOG.warn("Agent {} detached {}, left mounted by a killed predecessor", config.worker(), stale);
      }
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
    if (TIMINGS.isDebugEnabled()) {
      StepTimes.enable();
    }
    ListingWarmer warmer = new ListingWarmer(pfs);
    try (opened;
        DatumReporter reporter = new DatumReporter(opened, chunks, outputs,
            e -> LOG.info("Agent {} cannot report: {}", config.worker(), e.getMessage()))) {
      while (true) {
        DatumTask task;
        long waiting = System.nanoTime();
        try {
          task = opened.take();
        } catch (IOException e) {
          logTimings();
          if (opened.completedByDaemon()) {
            LOG.info("The daemon ended the work stream of agent {}", config.worker());
            return;
          }
          throw e;
        }
        StepTimes.since("agent.wait-for-task", waiting);
        long warming = System.nanoTime();
        warmer.before(task);
        StepTimes.since("agent.list-ahead", warming);
        runDatum(reporter, opened, task, pfs, datums, lane);
        if (datumRuns % TIMINGS_EVERY == 0) {
          logTimings();
        }
      }
    } finally {
      Thread.interrupted(); // a kill that came as the stream ended must not hit the unmount
    }
  }

  /**
   * Runs one datum and hands it to the reporter, which stores its outputs and reports it while the
   * next datum runs.
   */
  private void runDatum(DatumReporter reporter, WorkStream out, DatumTask task, Path pfs, Path datums,
      SessionLane lane) throws IOException, InterruptedException {
    long start = System.nanoTime();
    DatumLogs logs = new DatumLogs(out, task.getJob(), task.getDatum());
    // Its own directory even when the same datum runs again while the last run's outputs wait.
    Path datumDir = datums.resolve((DATUM_ID.matcher(task.getDatum()).matches() ? task.getDatum() : "datum")
        + "-" + datumRuns++);
    String error = null;
    Path outputs = null;
    Runnable cleanup = () -> {};
    boolean reportable = false;
    boolean inLane = false;
    setDatumThread(Thread.currentThread());
    try {
      ExitStatus status;
      long preparing = System.nanoTime();
      if (lane.prepare(task)) {
        inLane = true;
        StepTimes.since("agent.prepare", preparing);
        status = lane.run(task, logs);
        if (status.success()) {
          long taking = System.nanoTime();
          Path staged = lane.takeOutputs();
          StepTimes.since("agent.take-outputs", taking);
          outputs = staged;
          cleanup = () -> lane.delete(staged);
        }
      } else {
        cleanup = () -> deleteQuietly(datumDir);
        deleteTree(datumDir);
        DatumSandbox.Prepared prepared = DatumSandbox.prepare(task, pfs, datumDir);
        status = runtime.run(prepared.spec(), logs);
        outputs = prepared.outDir();
      }
      if (!status.success()) {
        outputs = null;
        logs.agent(status.description());
        error = String.join(" ", task.getTransform().getCmdList()) + " " + status.description();
      }
      reportable = true;
    } catch (IllegalArgumentException e) {
      error = e.getMessage();
      logs.agent(error);
      reportable = true;
    } catch (IOException e) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedException("Stopped while running datum " + task.getDatum());
      }
      outputs = null;
      error = e.getMessage();
      logs.agent(error);
      LOG.warn("Datum {} of job {} (output commit {}) failed in the agent: {}", task.getDatum(), task.getJob(),
          task.getOutputCommit(), e.toString());
      reportable = true;
    } finally {
      setDatumThread(null);
      if (inLane && outputs == null) {
        lane.clearOutputs();
      }
      if (!reportable) { // killed: nothing will be reported
        cleanup.run();
        deleteQuietly(datumDir);
      }
    }
    reporter.submit(new DatumReporter.Finished(task, logs, outputs, error, cleanup));
    StepTimes.since("agent.datum", start);
  }

  private void logTimings() {
    if (StepTimes.enabled()) {
      TIMINGS.debug("Agent {}, {} datums so far: {}", config.worker(), datumRuns, StepTimes.drain());
    }
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
