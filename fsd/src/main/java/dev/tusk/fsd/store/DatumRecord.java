package dev.tusk.fsd.store;

import java.util.Objects;

/**
 * A datum of a job.
 *
 * @param id 32 hex digits (the start of {@code hash})
 * @param hash the datum's full hash (64 hex digits), which keys its outputs
 * @param state "pending", "running", "success", "skipped" or "failed"
 * @param tries attempts so far
 * @param reason why the last attempt failed; empty otherwise
 * @param inputs the datum's input files, encoded by the pipeline package (opaque here)
 * @param producedByJob the job whose run stored the outputs (this one, or an earlier one when
 *     skipped); empty until then
 */
public record DatumRecord(
    String job,
    String id,
    String hash,
    String state,
    int tries,
    String reason,
    byte[] inputs,
    String producedByJob) {
  public DatumRecord {
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(state, "state");
    reason = reason == null ? "" : reason;
    Objects.requireNonNull(inputs, "inputs");
    producedByJob = producedByJob == null ? "" : producedByJob;
  }
}
