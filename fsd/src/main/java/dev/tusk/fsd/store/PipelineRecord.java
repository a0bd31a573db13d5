package dev.tusk.fsd.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A pipeline at its current version.
 *
 * @param version 1 for the first spec, one more for each update
 * @param specJson the spec of this version, as {@code SpecParser.toJson} wrote it
 * @param state "running", "stopped" or "crashing"
 * @param reason why it is crashing; empty otherwise
 * @param salt mixed into the processing hash; changed by an update with reprocess, so that every
 *     datum runs again
 */
public record PipelineRecord(
    String name,
    long version,
    String specJson,
    String state,
    String reason,
    Instant created,
    Instant updated,
    String salt) {
  public PipelineRecord {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(specJson, "specJson");
    Objects.requireNonNull(state, "state");
    reason = reason == null ? "" : reason;
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(updated, "updated");
    salt = salt == null ? "" : salt;
  }

  public PipelineRecord withState(String newState, String newReason, Instant at) {
    return new PipelineRecord(name, version, specJson, newState, newReason, created, at, salt);
  }
}
