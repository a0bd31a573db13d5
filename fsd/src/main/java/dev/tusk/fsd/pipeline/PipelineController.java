package dev.tusk.fsd.pipeline;

import dev.tusk.api.ErrorCode;
import dev.tusk.api.v1.DatumTask;
import dev.tusk.api.v1.PutContent;
import dev.tusk.api.v1.ResourceRequests;
import dev.tusk.api.v1.Transform;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.Threads;
import dev.tusk.fsd.store.BranchKey;
import dev.tusk.fsd.store.CommitProvenance;
import dev.tusk.fsd.store.CommitRecord;
import dev.tusk.fsd.store.DatumRecord;
import dev.tusk.fsd.store.JobRecord;
import dev.tusk.fsd.store.LogRecord;
import dev.tusk.fsd.store.PipelineRecord;
import dev.tusk.fsd.store.PipelineStore;
import dev.tusk.fsd.tree.EntryType;
import dev.tusk.fsd.tree.TreeChange;
import dev.tusk.fsd.version.Pfs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs pipelines: keeps their specs, starts their agents, makes a job for each new input commit,
 * hands its datums to the agents, and writes the output commit once every datum is done.
 *
 * <p>Every decision is taken on one thread, so the controller's state needs no locks; the gRPC
 * services call in through {@link #call}. What must survive a crash is in the {@link
 * PipelineStore}: a job and its datums are stored before any datum runs, each finished datum (with
 * its outputs, whose chunks the agent made durable first) is recorded, and the output commit is
 * written in one step under an id chosen when the job was created. After a restart, {@link
 * #start()} resumes every job that was running: it re-runs the datums not recorded as done, and a
 * job whose output commit already exists is simply marked done. So no output commit is ever
 * partial, duplicated or orphaned.
 *
 * <p>One controller per database: several daemons sharing one PostgreSQL would each run jobs.
 */
public final class PipelineController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineController.class);
  private static final Duration POLL = Duration.ofSeconds(2);

  private final Pfs pfs;
  private final InputCommits inputCommits;
  private final FileOrigins origins;
  private final PipelineStore store;
  private final WorkerLauncher launcher;
  private final String runtime;
  private final Clock clock;
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(Threads.named("tusk-pipelines-"));
  private final DatumRecorder recorder;
  private final JobUpdates jobUpdates = new JobUpdates();
  private final Map<String, Dispatcher> dispatchers = new ConcurrentHashMap<>();
  private final Map<String, WorkerGroup> workers = new HashMap<>();
  private final Map<String, ActiveJob> activeJobs = new HashMap<>();
  private final Map<String, CompletableFuture<DatumOutcome>> reruns = new ConcurrentHashMap<>();
  /** Lines of datums still running, by pipeline/job/datum; stored with the datum's outcome. */
  private final Map<String, Queue<LogRecord>> runningLogs = new ConcurrentHashMap<>();
  private final Set<String> reconcileQueued = ConcurrentHashMap.newKeySet();

  public PipelineController(Pfs pfs, PipelineStore store, WorkerLauncher launcher, String runtime, Clock clock) {
    this.pfs = pfs;
    this.inputCommits = new InputCommits(pfs);
    this.origins = new FileOrigins(pfs, store);
    this.store = store;
    this.launcher = launcher;
    this.runtime = runtime;
    this.clock = clock;
    this.recorder = new DatumRecorder(store);
  }

  /** Resumes the jobs a previous run left running, starts agents, and starts watching inputs. */
  public void start() {
    call(() -> {
      for (JobRecord job : store.activeJobs()) {
        try {
          resume(job);
        } catch (RuntimeException e) {
          // One job that cannot be resumed must not keep the daemon from starting.
          LOG.error("Cannot resume job {} of pipeline {}", job.id(), job.pipeline(), e);
          updateJob(job.withState("failure", "cannot resume after a restart: " + e.getMessage(),
              job.started(), clock.instant()));
        }
      }
      for (PipelineRecord pipeline : store.listPipelines()) {
        if (pipeline.state().equals("running") || pipeline.state().equals("crashing")) {
          startWorkers(pipeline);
        }
      }
      return null;
    });
    pfs.onCommitFinished(this::commitFinished);
    loop.scheduleWithFixedDelay(this::reconcileAll, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The runtime agents run datums in. */
  public String runtime() {
    return runtime;
  }

  // ---- pipelines ----

  /**
   * Creates a pipeline and its output repo and branch, or with {@code update} stores a new version
   * of its spec (killing the running job, which the next job replaces).
   */
  public PipelineRecord createPipeline(String specJson, boolean update, boolean reprocess) {
    PipelineSpec spec = SpecParser.parse(specJson);
    return call(() -> {
      for (Input.Pfs input : spec.pfsInputs()) {
        if (input.repo().equals(spec.name())) {
          throw invalid("Pipeline " + spec.name() + " cannot read its own output repo");
        }
        pfs.inspectRepo(input.repo());
        // A pipeline may wait on a branch that has no commits yet, as in Pachyderm.
        if (pfs.listBranches(input.repo()).stream().noneMatch(b -> b.name().equals(input.branch()))) {
          pfs.createBranch(input.repo(), input.branch(), "", List.of());
        }
      }
      Optional<PipelineRecord> existing = store.getPipeline(spec.name());
      Instant now = clock.instant();
      PipelineRecord record;
      if (existing.isEmpty()) {
        if (update) {
          throw notFound(spec.name());
        }
        if (pfs.listRepos().stream().anyMatch(r -> r.name().equals(spec.name()))) {
          throw new PfsException(
              ErrorCode.REPO_EXISTS,
              "Cannot create pipeline " + spec.name() + ": repo '" + spec.name()
                  + "' already exists, and a pipeline's output repo takes its name");
        }
        pfs.createRepo(spec.name(), "Output of pipeline " + spec.name(), false);
        record = new PipelineRecord(spec.name(), 1, SpecParser.toJson(spec), "running", "", now, now, "");
      } else {
        if (!update) {
          throw new PfsException(
              ErrorCode.PIPELINE_EXISTS,
              "Pipeline " + spec.name() + " already exists (use update pipeline to change it)");
        }
        PipelineRecord old = existing.get();
        killActiveJob(old.name(), "the pipeline was updated to version " + (old.version() + 1));
        record = new PipelineRecord(
            spec.name(), old.version() + 1, SpecParser.toJson(spec), old.state(), old.reason(),
            old.created(), now, reprocess ? Pfs.newId() : old.salt());
        stopWorkers(old.name());
      }
      ensureOutputBranch(spec);
      store.putPipeline(record);
      if (!record.state().equals("stopped")) {
        startWorkers(record);
      }
      queueReconcile(spec.name());
      return record;
    });
  }

  public PipelineRecord inspectPipeline(String name) {
    return store.getPipeline(name).orElseThrow(() -> notFound(name));
  }

  public String spec(String name, long version) {
    PipelineRecord pipeline = inspectPipeline(name);
    long wanted = version <= 0 ? pipeline.version() : version;
    return store.getSpec(name, wanted)
        .orElseThrow(() -> new PfsException(
            ErrorCode.INVALID_ARGUMENT, "Pipeline " + name + " has no version " + wanted));
  }

  public List<PipelineRecord> listPipelines() {
    return store.listPipelines();
  }

  public void deletePipeline(String name, boolean keepRepo) {
    call(() -> {
      inspectPipeline(name);
      killActiveJob(name, "the pipeline was deleted");
      stopWorkers(name);
      store.deletePipeline(name);
      if (!keepRepo && pfs.listRepos().stream().anyMatch(r -> r.name().equals(name))) {
        pfs.deleteRepo(name, true);
      }
      return null;
    });
  }

  public PipelineRecord stopPipeline(String name) {
    return call(() -> {
      inspectPipeline(name);
      killActiveJob(name, "the pipeline was stopped");
      stopWorkers(name);
      store.setPipelineState(name, "stopped", "");
      return inspectPipeline(name);
    });
  }

  public PipelineRecord startPipeline(String name) {
    return call(() -> {
      PipelineRecord pipeline = inspectPipeline(name);
      if (pipeline.state().equals("stopped")) {
        store.setPipelineState(name, "running", "");
        startWorkers(inspectPipeline(name));
        queueReconcile(name);
      }
      return inspectPipeline(name);
    });
  }

  private void ensureOutputBranch(PipelineSpec spec) {
    List<BranchKey> provenance = new ArrayList<>();
    for (Input.Pfs input : spec.pfsInputs()) {
      BranchKey key = new BranchKey(input.repo(), input.branch());
      if (!provenance.contains(key)) {
        provenance.add(key);
      }
    }
    boolean exists = pfs.listBranches(spec.name()).stream().anyMatch(b -> b.name().equals(spec.outputBranch()));
    if (!exists) {
      pfs.createBranch(spec.name(), spec.outputBranch(), "", provenance);
    }
  }

  private void startWorkers(PipelineRecord pipeline) {
    if (workers.containsKey(pipeline.name())) {
      return;
    }
    PipelineSpec spec = SpecParser.parse(pipeline.specJson());
    dispatchers.computeIfAbsent(pipeline.name(), n -> new Dispatcher());
    workers.put(pipeline.name(), new WorkerGroup(
        pipeline.name(), spec.parallelism(), launcher, reason -> crashing(pipeline.name(), reason)));
  }

  private void stopWorkers(String name) {
    WorkerGroup group = workers.remove(name);
    if (group != null) {
      group.close();
    }
  }

  private void crashing(String name, String reason) {
    later(() -> {
      if (workers.containsKey(name)) {
        store.setPipelineState(name, "crashing", reason);
      }
    });
  }

  // ---- agents ----

  /** An agent connected: it gets tasks from now on. */
  public void attach(String pipeline, WorkerSession session) {
    PipelineRecord record = inspectPipeline(pipeline);
    if (record.state().equals("crashing")) {
      call(() -> store.setPipelineState(pipeline, "running", ""));
    }
    dispatcher(pipeline).attach(session);
  }

  /** An agent went away: what it held is run again, the running datum counting as a failed try. */
  public void detach(String pipeline, WorkerSession session) {
    List<DatumTask> held = dispatcher(pipeline).detach(session);
    later(() -> {
      boolean running = true;
      for (DatumTask task : held) {
        if (running) {
          String reason = "agent " + session.worker() + " stopped while running it";
          List<LogRecord> logs = new ArrayList<>(runningLogs(pipeline, task.getJob(), task.getDatum(), true));
          logs.add(new LogRecord(task.getJob(), task.getDatum(), clock.instant(), "agent", reason));
          finished(pipeline, task, new DatumOutcome(session.worker(), false, reason, List.of(), logs));
          running = false;
        } else {
          dispatcher(pipeline).submit(task, true);
        }
      }
    });
  }

  /** An agent finished a task. */
  public void finished(String pipeline, WorkerSession session, String job, String datum, DatumOutcome outcome) {
    runningLogs(pipeline, job, datum, true);
    Optional<DatumTask> task = dispatcher(pipeline).finished(session, job, datum);
    if (task.isEmpty()) {
      LOG.warn("Agent {} reported datum {} of job {}, which it was not given", session.worker(), datum, job);
      return;
    }
    later(() -> finished(pipeline, task.get(), outcome));
  }

  /** A line a running datum printed: {@link #logs} shows it before the datum ends. */
  public void logLine(String pipeline, LogRecord line) {
    runningLogs.computeIfAbsent(logKey(pipeline, line.job(), line.datum()), k -> new ConcurrentLinkedQueue<>())
        .add(line);
  }

  /** The lines a running datum has printed so far; {@code forget} once it has ended. */
  private List<LogRecord> runningLogs(String pipeline, String job, String datum, boolean forget) {
    String key = logKey(pipeline, job, datum);
    Queue<LogRecord> lines = forget ? runningLogs.remove(key) : runningLogs.get(key);
    return lines == null ? List.of() : List.copyOf(lines);
  }

  private static String logKey(String pipeline, String job, String datum) {
    return pipeline + "/" + job + "/" + datum;
  }

  private Dispatcher dispatcher(String pipeline) {
    return dispatchers.computeIfAbsent(pipeline, n -> new Dispatcher());
  }

  // ---- jobs ----

  private void commitFinished(CommitRecord commit) {
    later(() -> {
      for (PipelineRecord pipeline : store.listPipelines()) {
        SpecParser.parse(pipeline.specJson()).pfsInputs().stream()
            .filter(i -> i.repo().equals(commit.repo()) && i.branch().equals(commit.branch()))
            .findAny()
            .ifPresent(i -> reconcile(pipeline.name()));
      }
    });
  }

  private void queueReconcile(String pipeline) {
    if (reconcileQueued.add(pipeline)) {
      later(() -> {
        reconcileQueued.remove(pipeline);
        reconcile(pipeline);
      });
    }
  }

  private void reconcileAll() {
    try {
      for (PipelineRecord pipeline : store.listPipelines()) {
        reconcile(pipeline.name());
      }
    } catch (RuntimeException e) {
      LOG.warn("Cannot check pipelines for new input commits", e);
    }
  }

  /** Starts the pipeline's next job if it has none running and an input has a new commit. */
  private void reconcile(String name) {
    try {
      Optional<PipelineRecord> found = store.getPipeline(name);
      if (found.isEmpty() || found.get().state().equals("stopped")) {
        return;
      }
      PipelineRecord pipeline = found.get();
      if (activeJobs.values().stream().anyMatch(a -> a.job.pipeline().equals(name))) {
        return;
      }
      PipelineSpec spec = SpecParser.parse(pipeline.specJson());
      List<JobRecord> last = store.listJobs(name, 1);
      Optional<InputCommits.Next> next = inputCommits.next(spec, last.isEmpty() ? null : last.get(0), pipeline.version());
      if (next.isPresent()) {
        createJob(pipeline, spec, next.get());
      }
    } catch (RuntimeException e) {
      LOG.warn("Cannot start the next job of pipeline {}", name, e);
    }
  }

  private void createJob(PipelineRecord pipeline, PipelineSpec spec, InputCommits.Next inputs) {
    Map<String, String> commitByInput = new HashMap<>();
    for (Input.Pfs input : spec.pfsInputs()) {
      CommitRecord commit = inputs.commits().stream()
          .filter(c -> c.repo().equals(input.repo()) && c.branch().equals(input.branch()))
          .findFirst()
          .orElseThrow();
      commitByInput.put(input.name(), commit.id());
    }
    List<Datum> datums = DatumPlanner.plan(spec, processingHash(pipeline), commitByInput, this::glob);
    Map<String, String> stored = store.storedOutputs(
        pipeline.name(), datums.stream().map(Datum::hash).toList());
    String jobId = Pfs.newId();
    List<DatumRecord> records = new ArrayList<>(datums.size());
    long skipped = 0;
    for (Datum datum : datums) {
      String producer = stored.get(datum.hash());
      if (producer != null) {
        skipped++;
      }
      records.add(new DatumRecord(
          jobId, datum.id(), datum.hash(), producer != null ? "skipped" : "pending", 0, "",
          DatumCodec.encodeInputs(datum.files()), producer));
    }
    Instant now = clock.instant();
    List<CommitProvenance> provenance = inputs.commits().stream()
        .map(c -> new CommitProvenance(c.repo(), c.branch(), c.id()))
        .toList();
    JobRecord job = new JobRecord(
        jobId, pipeline.name(), pipeline.version(), "running", "", now, now, null, provenance,
        spec.name(), spec.outputBranch(), Pfs.newId(), inputs.trigger().commitSet(),
        datums.size(), 0, skipped, 0);
    store.createJob(job, records);
    LOG.info("Pipeline {}: job {} over {} datums ({} skipped)", pipeline.name(), jobId, datums.size(), skipped);
    run(job, spec, records);
  }

  /** Starts (or resumes) tracking a job and queues its datums not yet done. */
  private void run(JobRecord job, PipelineSpec spec, List<DatumRecord> datums) {
    ActiveJob active = new ActiveJob(job, spec);
    List<DatumTask> tasks = new ArrayList<>();
    for (DatumRecord datum : datums) {
      switch (datum.state()) {
        case "skipped" -> active.skipped++;
        case "success" -> active.processed++;
        case "failed" -> active.failed++;
        default -> {
          active.open.put(datum.id(), datum);
          tasks.add(task(job, spec, datum, false));
        }
      }
    }
    activeJobs.put(job.id(), active);
    if (active.failed > 0) {
      fail(active, "a datum had already failed before the daemon restarted");
    } else if (active.open.isEmpty()) {
      complete(active);
    } else {
      dispatcher(job.pipeline()).submitAll(tasks);
    }
  }

  private void resume(JobRecord job) {
    if (pfs.listRepos().stream().noneMatch(r -> r.name().equals(job.outputRepo()))) {
      updateJob(job.withState("killed", "its output repo is gone", job.started(), clock.instant()));
      return;
    }
    List<DatumRecord> datums = store.listDatums(job.id());
    try {
      pfs.inspectCommit(job.outputRepo() + "@" + job.outputCommit());
      // The output commit landed just before the crash.
      ActiveJob active = new ActiveJob(job, SpecParser.parse(store.getSpec(job.pipeline(), job.pipelineVersion()).orElseThrow()));
      datums.forEach(d -> {
        if (d.state().equals("skipped")) active.skipped++; else active.processed++;
      });
      updateJob(active.ended("success", "", clock.instant()));
      return;
    } catch (PfsException e) {
      if (e.code() != ErrorCode.COMMIT_NOT_FOUND) {
        throw e;
      }
    }
    LOG.info("Resuming job {} of pipeline {}", job.id(), job.pipeline());
    PipelineSpec spec = SpecParser.parse(store.getSpec(job.pipeline(), job.pipelineVersion()).orElseThrow());
    run(job, spec, datums);
  }

  private DatumTask task(JobRecord job, PipelineSpec spec, DatumRecord datum, boolean rerun) {
    PipelineSpec.Transform t = spec.transform();
    DatumTask.Builder task = DatumTask.newBuilder()
        .setJob(job.id())
        .setDatum(datum.id())
        .setOutputCommit(job.outputCommit())
        .setPipeline(job.pipeline())
        .setPipelineVersion(job.pipelineVersion())
        .setTransform(Transform.newBuilder()
            .addAllCmd(t.cmd()).addAllStdin(t.stdin()).putAllEnv(t.env()).setImage(t.image()))
        .setResources(ResourceRequests.newBuilder()
            .setCpu(spec.resources().cpu())
            .setMemoryBytes(spec.resources().memoryBytes())
            .setGpu(spec.resources().gpu()))
        .addAllInputs(DatumCodec.decodeInputs(datum.inputs()))
        .setRerun(rerun);
    spec.pfsInputs().forEach(i -> task.addInputNames(i.name()));
    return task.build();
  }

  private void finished(String pipeline, DatumTask task, DatumOutcome outcome) {
    if (task.getRerun()) {
      CompletableFuture<DatumOutcome> waiting = reruns.remove(task.getJob() + "/" + task.getDatum());
      if (waiting != null) {
        waiting.complete(outcome);
      }
      return;
    }
    ActiveJob active = activeJobs.get(task.getJob());
    DatumRecord datum = active == null ? null : active.open.get(task.getDatum());
    if (datum == null) {
      return; // The job ended meanwhile (killed, or failed by another datum).
    }
    int tries = datum.tries() + 1;
    if (outcome.success()) {
      active.open.remove(datum.id());
      active.processed++;
      DatumRecord done = new DatumRecord(
          datum.job(), datum.id(), datum.hash(), "success", tries, "", datum.inputs(), datum.job());
      recorder.record(pipeline, done, DatumCodec.encodeOutputs(outcome.outputs()), outcome.logs());
      if (active.open.isEmpty()) {
        complete(active);
      }
      return;
    }
    if (tries < active.spec.datumTries()) {
      DatumRecord retry = new DatumRecord(
          datum.job(), datum.id(), datum.hash(), "pending", tries, outcome.error(), datum.inputs(), "");
      active.open.put(datum.id(), retry);
      recorder.record(pipeline, retry, null, outcome.logs());
      dispatcher(pipeline).submit(task, true);
      return;
    }
    active.open.remove(datum.id());
    active.failed++;
    recorder.record(pipeline, new DatumRecord(
        datum.job(), datum.id(), datum.hash(), "failed", tries, outcome.error(), datum.inputs(), ""),
        null, outcome.logs());
    fail(active, "datum " + datum.id() + " failed " + tries + (tries == 1 ? " time" : " times") + ": "
        + outcome.error() + " (see: tusk logs -p " + pipeline + " --job " + datum.job() + " --datum " + datum.id() + ")");
  }

  /** Every datum is done: write the output commit. */
  private void complete(ActiveJob active) {
    JobRecord job = active.job;
    try {
      recorder.flush();
      List<DatumRecord> current = store.listDatums(job.id());
      List<DatumRecord> previous = List.of();
      String head = pfs.inspectBranch(job.outputRepo(), job.outputBranch()).head();
      if (head != null) {
        previous = store.jobByOutputCommit(head)
            .map(j -> store.listDatums(j.id()))
            .orElse(List.of());
      }
      Set<String> hashes = new HashSet<>();
      current.forEach(d -> hashes.add(d.hash()));
      previous.forEach(d -> hashes.add(d.hash()));
      Map<String, List<PutContent>> outputs = new HashMap<>();
      store.getOutputs(job.pipeline(), hashes).forEach((hash, bytes) -> outputs.put(hash, DatumCodec.decodeOutputs(bytes)));
      List<TreeChange> changes = OutputAssembler.changes(current, previous, outputs);
      pfs.commitOutput(
          job.outputRepo(), job.outputBranch(), job.outputCommit(), "Output of job " + job.id(), changes,
          job.commitSet(), job.inputs());
      end(active, "success", "");
    } catch (PfsException e) {
      fail(active, e.getMessage());
    } catch (IOException | RuntimeException e) {
      LOG.error("Cannot write the output commit of job {}", job.id(), e);
      fail(active, "cannot write the output commit: " + e.getMessage());
    }
  }

  private void fail(ActiveJob active, String reason) {
    LOG.info("Job {} of pipeline {} failed: {}", active.job.id(), active.job.pipeline(), reason);
    end(active, "failure", reason);
  }

  private void killActiveJob(String pipeline, String reason) {
    for (ActiveJob active : List.copyOf(activeJobs.values())) {
      if (active.job.pipeline().equals(pipeline)) {
        end(active, "killed", reason);
      }
    }
  }

  private void end(ActiveJob active, String state, String reason) {
    activeJobs.remove(active.job.id());
    dispatcher(active.job.pipeline()).dropJob(active.job.id());
    recorder.flush();
    updateJob(active.ended(state, reason, clock.instant()));
    queueReconcile(active.job.pipeline());
  }

  // ---- queries ----

  /** A job, with live counts while it runs. */
  public JobRecord job(String id) {
    JobRecord stored = store.getJob(id)
        .orElseThrow(() -> new PfsException(ErrorCode.JOB_NOT_FOUND, "Job " + id + " not found"));
    if (stored.isActive()) {
      JobRecord live = call(() -> {
        ActiveJob active = activeJobs.get(id);
        return active == null ? null : active.current();
      });
      if (live != null) {
        return live;
      }
      return store.getJob(id).orElse(stored);
    }
    return stored;
  }

  public List<JobRecord> listJobs(String pipeline, long limit) {
    if (pipeline != null) {
      inspectPipeline(pipeline);
    }
    return store.listJobs(pipeline, limit).stream()
        .map(j -> j.isActive() ? job(j.id()) : j)
        .toList();
  }

  /**
   * Waits until the job has ended, up to {@code timeout}: woken when any job's state is stored,
   * rather than asking the store over and over (which took CPU from the datums).
   */
  public JobRecord waitJob(String id, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long seen = jobUpdates.seen();
      JobRecord job = job(id);
      if (!job.isActive()) {
        return job;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new PfsException(ErrorCode.UNAVAILABLE, "Job " + id + " is still " + job.state());
      }
      // A bounded wait: a job stored some other way is seen within a second all the same.
      jobUpdates.awaitAfter(seen, Math.min(left, 1_000_000_000L));
    }
  }

  /** Stores a job's new state, and wakes whoever waits for jobs to end. */
  private void updateJob(JobRecord job) {
    store.updateJob(job);
    jobUpdates.stored();
  }

  public List<DatumRecord> listDatums(String job) {
    job(job);
    return store.listDatums(job);
  }

  /** Stored lines, oldest first, then those of datums still running. */
  public List<LogRecord> logs(String pipeline, String job, String datum) {
    inspectPipeline(pipeline);
    List<LogRecord> lines = new ArrayList<>(store.logs(pipeline, job, datum));
    runningLogs.forEach((key, running) -> {
      String[] parts = key.split("/", 3);
      if (parts[0].equals(pipeline) && (job == null || parts[1].equals(job))
          && (datum == null || parts[2].equals(datum))) {
        lines.addAll(running);
      }
    });
    return lines;
  }

  /** Which datum of which job wrote a file of an output commit, and from what. */
  public FileOrigins.FileOrigin provenance(String fileRef) {
    return origins.find(fileRef);
  }

  /**
   * Runs a datum again from its recorded inputs under the spec version of its job, and compares
   * its outputs with the stored ones. Nothing is committed.
   */
  public RerunResult rerun(String jobId, String datumId, Duration timeout) throws InterruptedException {
    JobRecord job = job(jobId);
    DatumRecord datum = store.getDatum(jobId, datumId)
        .orElseThrow(() -> new PfsException(
            ErrorCode.DATUM_NOT_FOUND, "Job " + jobId + " has no datum " + datumId));
    boolean running = call(() -> workers.containsKey(job.pipeline()));
    if (!running && dispatcher(job.pipeline()).agents() == 0) {
      throw new PfsException(
          ErrorCode.INVALID_ARGUMENT, "Pipeline " + job.pipeline() + " is not running: start it to rerun a datum");
    }
    PipelineSpec spec = SpecParser.parse(store.getSpec(job.pipeline(), job.pipelineVersion()).orElseThrow());
    CompletableFuture<DatumOutcome> result = new CompletableFuture<>();
    if (reruns.putIfAbsent(jobId + "/" + datumId, result) != null) {
      throw new PfsException(ErrorCode.CONFLICT, "Datum " + datumId + " is already being rerun");
    }
    dispatcher(job.pipeline()).submit(task(job, spec, datum, true), true);
    DatumOutcome outcome;
    try {
      outcome = result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      reruns.remove(jobId + "/" + datumId);
      throw new PfsException(ErrorCode.UNAVAILABLE, "The rerun of datum " + datumId + " did not finish in " + timeout);
    }
    if (!outcome.success()) {
      return new RerunResult(false, List.of(), false, outcome.error());
    }
    Map<String, String> before = new HashMap<>();
    store.getOutputs(job.pipeline(), datum.hash())
        .map(DatumCodec::decodeOutputs)
        .orElse(List.of())
        .forEach(f -> before.put(f.getPath(), f.getHash()));
    Map<String, String> after = new HashMap<>();
    outcome.outputs().forEach(f -> after.put(f.getPath(), f.getHash()));
    Set<String> paths = new TreeSet<>(before.keySet());
    paths.addAll(after.keySet());
    List<String> differing = paths.stream()
        .filter(p -> !Objects.equals(before.get(p), after.get(p)))
        .toList();
    return new RerunResult(differing.isEmpty(), differing, true, "");
  }

  public record RerunResult(boolean identical, List<String> differingPaths, boolean succeeded, String reason) {}

  // ---- plumbing ----

  private List<InputLister.Match> glob(String repo, String commit, String pattern) {
    CommitRecord record = pfs.inspectCommit(repo + "@" + commit);
    return pfs.globFile(record, pattern)
        .map(e -> new InputLister.Match(e.path(), e.hash(), e.type() == EntryType.DIR))
        .toList();
  }

  /** The pipeline's processing hash with its reprocess salt. */
  private static String processingHash(PipelineRecord pipeline) {
    String base = SpecParser.processingHash(SpecParser.parse(pipeline.specJson()));
    if (pipeline.salt().isEmpty()) {
      return base;
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(base.getBytes(StandardCharsets.UTF_8));
      sha.update(pipeline.salt().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs {@code work} on the controller's thread soon, unless the daemon is shutting down. */
  private void later(Runnable work) {
    try {
      loop.execute(work);
    } catch (RejectedExecutionException e) {
      LOG.debug("Dropped work at shutdown");
    }
  }

  /** Runs {@code work} on the controller's thread and waits for it. */
  private <T> T call(Callable<T> work) {
    if (Thread.currentThread().getName().startsWith("tusk-pipelines-")) {
      try {
        return work.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    try {
      return loop.submit(work).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PfsException(ErrorCode.UNAVAILABLE, "Interrupted");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private static PfsException notFound(String name) {
    return new PfsException(ErrorCode.PIPELINE_NOT_FOUND, "Pipeline " + name + " not found");
  }

  private static PfsException invalid(String message) {
    return new PfsException(ErrorCode.INVALID_ARGUMENT, message);
  }

  @Override
  public void close() {
    loop.shutdownNow();
    try {
      loop.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    workers.values().forEach(WorkerGroup::close);
    workers.clear();
    recorder.close();
  }
}
