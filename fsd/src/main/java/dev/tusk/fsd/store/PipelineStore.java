package dev.tusk.fsd.store;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where pipelines, their spec versions, jobs, datums, datum outputs and logs live: in the same
 * database as the {@link MetadataStore} ({@link MetadataStore#pipelines()}). Every method is one
 * transaction. Errors are {@link dev.tusk.fsd.PfsException}s as in MetadataStore.
 */
public interface PipelineStore {

  // ---- pipelines ----

  /** Inserts version 1, or a new version of an existing pipeline (keeping every older spec). */
  void putPipeline(PipelineRecord pipeline);

  Optional<PipelineRecord> getPipeline(String name);

  /** The spec of an older (or the current) version. */
  Optional<String> getSpec(String name, long version);

  /** In name order. */
  List<PipelineRecord> listPipelines();

  /** Changes state and reason only; false if the pipeline does not exist. */
  boolean setPipelineState(String name, String state, String reason);

  /** Deletes the pipeline with its versions, jobs, datums, outputs and logs; false if missing. */
  boolean deletePipeline(String name);

  // ---- jobs ----

  /** Inserts a job together with its datums (pending or skipped), in one transaction. */
  void createJob(JobRecord job, List<DatumRecord> datums);

  /** Replaces a job's row (state, times, counts). */
  void updateJob(JobRecord job);

  Optional<JobRecord> getJob(String id);

  /** The job whose output commit is {@code commitId}. */
  Optional<JobRecord> jobByOutputCommit(String commitId);

  /** Newest first (by creation); {@code pipeline} null for every pipeline; limit 0 for all. */
  List<JobRecord> listJobs(String pipeline, long limit);

  /** Jobs in state created or running, of every pipeline (resumed at startup). */
  List<JobRecord> activeJobs();

  // ---- datums ----

  /** A job's datums in id order. */
  List<DatumRecord> listDatums(String job);

  Optional<DatumRecord> getDatum(String job, String id);

  /**
   * Records finished datum attempts in one transaction: each datum's row is replaced, the outputs
   * of those that succeeded are stored under (pipeline, hash), and the log lines are appended.
   */
  void recordDatums(String pipeline, List<DatumRecord> datums, Map<String, byte[]> outputsByHash,
      List<LogRecord> logs);

  /** Of {@code hashes}, those that have stored outputs for this pipeline, each with the job that stored them. */
  Map<String, String> storedOutputs(String pipeline, Collection<String> hashes);

  /** The stored outputs (encoded by the pipeline package) of a datum hash. */
  Optional<byte[]> getOutputs(String pipeline, String hash);

  /** Outputs for many hashes at once; missing ones are absent from the map. */
  Map<String, byte[]> getOutputs(String pipeline, Set<String> hashes);

  // ---- logs ----

  /**
   * Log lines, oldest first: of a pipeline, narrowed to a job and a datum when they are not null.
   */
  List<LogRecord> logs(String pipeline, String job, String datum);
}
