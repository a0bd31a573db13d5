package dev.tusk.fsd.pipeline;

import dev.tusk.fsd.store.DatumRecord;
import dev.tusk.fsd.store.JobRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A running job as the controller tracks it: its datums not yet done and its counts. Only the
 * controller's thread touches it.
 */
final class ActiveJob {
  final PipelineSpec spec;
  /** Pending and running datums by id. */
  final Map<String, DatumRecord> open = new LinkedHashMap<>();
  JobRecord job;
  long processed;
  long skipped;
  long failed;

  ActiveJob(JobRecord job, PipelineSpec spec) {
    this.job = job;
    this.spec = spec;
  }

  /** The job's row with the counts as they are now. */
  JobRecord current() {
    return job.withCounts(job.datumsTotal(), processed, skipped, failed);
  }

  JobRecord ended(String state, String reason, Instant at) {
    job = current().withState(state, reason, job.started(), at);
    return job;
  }
}
