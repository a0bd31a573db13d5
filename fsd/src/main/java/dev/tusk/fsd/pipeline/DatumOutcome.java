package dev.tusk.fsd.pipeline;

import dev.tusk.api.v1.PutContent;
import dev.tusk.fsd.store.LogRecord;
import java.util.List;

/**
 * How one attempt at a datum ended, as an agent reported it.
 *
 * @param outputs the files it wrote under /pfs/out, chunks already durable; empty on failure
 * @param logs what it printed
 */
public record DatumOutcome(
    String worker, boolean success, String error, List<PutContent> outputs, List<LogRecord> logs) {
  public DatumOutcome {
    error = error == null ? "" : error;
    outputs = List.copyOf(outputs);
    logs = List.copyOf(logs);
  }
}
