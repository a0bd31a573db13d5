package dev.tusk.fsd.pipeline;

import dev.tusk.api.v1.DatumTask;

/** A connected pipeline agent, as the {@link Dispatcher} sees it. */
public interface WorkerSession {

  /** The agent's name, e.g. "edges-0". */
  String worker();

  /** Hands the agent a task; called under the dispatcher's lock, one call at a time. */
  void send(DatumTask task);
}
