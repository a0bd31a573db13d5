package dev.tusk.fsd.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A job: one run of a pipeline version over one set of input commits.
 *
 * @param id 32 hex digits
 * @param state "created", "running", "success", "failure" or "killed"
 * @param reason why it failed or was killed; empty otherwise
 * @param started {@code null} until it runs
 * @param finished {@code null} until it ends
 * @param inputs the exact input commits
 * @param outputRepo the pipeline's output repo
 * @param outputBranch the branch the output commit goes to
 * @param outputCommit the id the output commit gets, chosen up front so that a job interrupted by
 *     a crash can tell whether its commit landed; it exists only once the job succeeded
 * @param commitSet the commit set of the input commit that caused the job
 */
public record JobRecord(
    String id,
    String pipeline,
    long pipelineVersion,
    String state,
    String reason,
    Instant created,
    Instant started,
    Instant finished,
    List<CommitProvenance> inputs,
    String outputRepo,
    String outputBranch,
    String outputCommit,
    String commitSet,
    long datumsTotal,
    long datumsProcessed,
    long datumsSkipped,
    long datumsFailed) {

  public JobRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(pipeline, "pipeline");
    Objects.requireNonNull(state, "state");
    reason = reason == null ? "" : reason;
    Objects.requireNonNull(created, "created");
    inputs = List.copyOf(inputs);
    Objects.requireNonNull(outputRepo, "outputRepo");
    Objects.requireNonNull(outputBranch, "outputBranch");
    Objects.requireNonNull(outputCommit, "outputCommit");
    Objects.requireNonNull(commitSet, "commitSet");
  }

  public boolean isActive() {
    return state.equals("created") || state.equals("running");
  }

  public JobRecord withState(String newState, String newReason, Instant newStarted, Instant newFinished) {
    return new JobRecord(
        id, pipeline, pipelineVersion, newState, newReason, created, newStarted, newFinished, inputs,
        outputRepo, outputBranch, outputCommit, commitSet, datumsTotal, datumsProcessed,
        datumsSkipped, datumsFailed);
  }

  public JobRecord withInputs(List<CommitProvenance> newInputs) {
    return new JobRecord(
        id, pipeline, pipelineVersion, state, reason, created, started, finished, newInputs,
        outputRepo, outputBranch, outputCommit, commitSet, datumsTotal, datumsProcessed,
        datumsSkipped, datumsFailed);
  }

  public JobRecord withCounts(long total, long processed, long skipped, long failed) {
    return new JobRecord(
        id, pipeline, pipelineVersion, state, reason, created, started, finished, inputs, outputRepo,
        outputBranch, outputCommit, commitSet, total, processed, skipped, failed);
  }
}
