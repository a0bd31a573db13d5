package dev.tusk.fsd.pipeline;

import dev.tusk.fsd.Threads;
import dev.tusk.fsd.store.DatumRecord;
import dev.tusk.fsd.store.LogRecord;
import dev.tusk.fsd.store.PipelineStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes finished datum attempts in batches: whatever arrived while the last transaction ran goes
 * into the next one, so hundreds of datums a second cost a few commits, not hundreds. A record
 * lost to a crash only means the datum runs again.
 */
final class DatumRecorder implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DatumRecorder.class);

  private record Attempt(String pipeline, DatumRecord datum, byte[] outputs, List<LogRecord> logs) {}

  private final PipelineStore store;
  private final LinkedBlockingQueue<Attempt> pending = new LinkedBlockingQueue<>();
  private final ExecutorService writer = Executors.newSingleThreadExecutor(Threads.named("tusk-datum-recorder-"));

  DatumRecorder(PipelineStore store) {
    this.store = store;
  }

  /** Queues an attempt; {@code outputs} is null unless it succeeded. */
  void record(String pipeline, DatumRecord datum, byte[] outputs, List<LogRecord> logs) {
    pending.add(new Attempt(pipeline, datum, outputs, logs));
    writer.execute(this::drain);
  }

  /** Returns once everything queued before the call is written. */
  void flush() {
    try {
      writer.submit(this::drain).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while recording datums", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("Cannot record datums: " + e.getCause().getMessage(), e.getCause());
    }
  }

  private void drain() {
    List<Attempt> batch = new ArrayList<>();
    pending.drainTo(batch);
    if (batch.isEmpty()) {
      return;
    }
    Map<String, List<Attempt>> byPipeline = new LinkedHashMap<>();
    batch.forEach(a -> byPipeline.computeIfAbsent(a.pipeline(), p -> new ArrayList<>()).add(a));
    for (Map.Entry<String, List<Attempt>> entry : byPipeline.entrySet()) {
      // Later attempts at one datum replace earlier ones within a batch.
      Map<String, DatumRecord> datums = new LinkedHashMap<>();
      Map<String, byte[]> outputs = new HashMap<>();
      List<LogRecord> logs = new ArrayList<>();
      for (Attempt attempt : entry.getValue()) {
        datums.put(attempt.datum().job() + "/" + attempt.datum().id(), attempt.datum());
        if (attempt.outputs() != null) {
          outputs.put(attempt.datum().hash(), attempt.outputs());
        }
        logs.addAll(attempt.logs());
      }
      try {
        store.recordDatums(entry.getKey(), new ArrayList<>(datums.values()), outputs, logs);
      } catch (RuntimeException e) {
        LOG.error("Cannot record {} datums of pipeline {}", datums.size(), entry.getKey(), e);
        throw e;
      }
    }
  }

  @Override
  public void close() {
    writer.shutdown();
  }
}
