package dev.tusk.agent;

import dev.tusk.agent.OutputCollector.BadOutputException;
import dev.tusk.api.v1.DatumOutputs;
import dev.tusk.api.v1.DatumResult;
import dev.tusk.api.v1.DatumTask;
import dev.tusk.api.v1.PutContent;
import dev.tusk.api.v1.WorkerMessage;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ContentWriter;
import dev.tusk.container.StepTimes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores finished datums' outputs and reports them, on a thread of its own, so that the next datum
 * runs meanwhile. Whatever finished while the last batch was being stored goes into the next one:
 * their files are written through one {@link ContentWriter} (small files of several datums share
 * packs) and made durable by one barrier, then each datum's outputs and result are sent, in the
 * order the datums ran. Nothing is reported before its outputs are durable.
 */
final class DatumReporter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DatumReporter.class);
  /** Outputs per message: well under the 1 MiB the protocol asks for. */
  private static final int OUTPUT_BATCH_BYTES = 512 << 10;
  private static final long CLOSE_MILLIS = 15_000;

  /**
   * A datum that ran.
   *
   * @param outputs where its outputs lie, or null if it failed
   * @param error why it failed, or null
   * @param cleanup run once it is reported (or dropped): deletes what held its outputs
   */
  record Finished(DatumTask task, DatumLogs logs, Path outputs, String error, Runnable cleanup) {}

  private static final Finished STOP = new Finished(DatumTask.getDefaultInstance(), null, null, null, () -> {});

  private final WorkStream stream;
  private final ChunkStore chunks;
  private final OutputCollector collector;
  private final BlockingQueue<Finished> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final Consumer<IOException> broken;

  /** @param broken called (once, on the reporter's thread) if the stream fails under it */
  DatumReporter(WorkStream stream, ChunkStore chunks, OutputCollector collector, Consumer<IOException> broken) {
    this.stream = stream;
    this.chunks = chunks;
    this.collector = collector;
    this.broken = broken;
    this.thread = new Thread(this::loop, "tusk-agent-reporter");
    thread.setDaemon(true);
    thread.start();
  }

  void submit(Finished finished) {
    queue.add(finished);
  }

  private void loop() {
    List<Finished> batch = new ArrayList<>();
    try {
      while (true) {
        batch.add(queue.take());
        queue.drainTo(batch);
        boolean stop = batch.remove(STOP);
        if (!batch.isEmpty()) {
          report(batch);
        }
        batch.clear();
        if (stop) {
          return;
        }
      }
    } catch (InterruptedException e) {
      // closing: what is left is never reported, and the daemon gives those datums out again
    } catch (IOException e) {
      broken.accept(e);
    } finally {
      batch.forEach(f -> f.cleanup().run());
      List<Finished> left = new ArrayList<>();
      queue.drainTo(left);
      left.forEach(f -> f.cleanup().run());
    }
  }

  /** Stores every output of the batch with one durability barrier, then reports each datum. */
  private void report(List<Finished> batch) throws IOException {
    List<OutputCollector.Pending> pending = new ArrayList<>(batch.size());
    String[] errors = new String[batch.size()];
    IOException flushFailed = null;
    long storing = System.nanoTime();
    try (ContentWriter writer = chunks.newWriter()) {
      for (int i = 0; i < batch.size(); i++) {
        Finished finished = batch.get(i);
        errors[i] = finished.error();
        pending.add(null);
        if (finished.error() == null) {
          try {
            pending.set(i, collector.start(finished.outputs(), finished.task(), writer));
          } catch (BadOutputException e) {
            errors[i] = e.getMessage();
          } catch (IOException e) {
            errors[i] = e.getMessage();
            LOG.warn("Datum {} of job {}: cannot store its outputs: {}", finished.task().getDatum(),
                finished.task().getJob(), e.toString());
          }
        }
      }
    } catch (IOException e) {
      flushFailed = e; // nothing of this batch is durable
      LOG.warn("Cannot store the outputs of {} datums: {}", batch.size(), e.toString());
    }
    StepTimes.since("reporter.store-batch", storing);
    long sending = System.nanoTime();
    for (int i = 0; i < batch.size(); i++) {
      Finished finished = batch.get(i);
      List<PutContent> files = List.of();
      String error = errors[i];
      if (error == null && flushFailed != null) {
        error = "Cannot store the outputs: " + flushFailed.getMessage();
      } else if (error == null) {
        try {
          files = collector.finish(pending.get(i));
        } catch (IOException e) {
          error = e.getMessage();
        }
      }
      if (error != null && finished.error() == null) {
        finished.logs().agent(error);
      }
      try {
        finished.logs().finish();
        send(finished.task(), files, error);
      } finally {
        finished.cleanup().run();
      }
    }
    StepTimes.since("reporter.send-batch", sending);
  }

  private void send(DatumTask task, List<PutContent> files, String error) throws IOException {
    DatumOutputs.Builder outputs = newBatch(task);
    int bytes = 0;
    for (PutContent file : files) {
      int size = file.getSerializedSize() + 8;
      if (outputs.getFilesCount() > 0 && bytes + size > OUTPUT_BATCH_BYTES) {
        stream.send(WorkerMessage.newBuilder().setOutputs(outputs).build());
        outputs = newBatch(task);
        bytes = 0;
      }
      outputs.addFiles(file);
      bytes += size;
    }
    if (outputs.getFilesCount() > 0) {
      stream.send(WorkerMessage.newBuilder().setOutputs(outputs).build());
    }
    stream.send(WorkerMessage.newBuilder()
        .setResult(DatumResult.newBuilder()
            .setJob(task.getJob())
            .setDatum(task.getDatum())
            .setSuccess(error == null)
            .setError(error == null ? "" : error))
        .build());
  }

  private static DatumOutputs.Builder newBatch(DatumTask task) {
    return DatumOutputs.newBuilder().setJob(task.getJob()).setDatum(task.getDatum());
  }

  /** Reports what is queued, then stops (bounded). */
  void finishAndClose() {
    queue.add(STOP);
    join();
  }

  /** Stops at once: what is not reported yet never is. Idempotent. */
  @Override
  public void close() {
    thread.interrupt();
    join();
  }

  private void join() {
    try {
      thread.join(CLOSE_MILLIS);
      if (thread.isAlive()) {
        LOG.warn("The reporter did not stop within {} ms", CLOSE_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      thread.interrupt();
    }
  }
}
