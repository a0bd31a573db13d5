package dev.tusk.fsd.grpc;

import dev.tusk.api.v1.DatumTask;
import dev.tusk.api.v1.PutContent;
import dev.tusk.api.v1.WorkerGrpc;
import dev.tusk.api.v1.WorkerMessage;
import dev.tusk.fsd.pipeline.DatumOutcome;
import dev.tusk.fsd.pipeline.PipelineController;
import dev.tusk.fsd.pipeline.WorkerSession;
import dev.tusk.fsd.store.LogRecord;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code tusk.v1.Worker} service: one stream per pipeline agent, which is the agent's lease on
 * the tasks it holds. A datum's log lines and outputs are gathered here until its result arrives.
 */
final class WorkerService extends WorkerGrpc.WorkerImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerService.class);

  private final PipelineController pipelines;
  private final Clock clock;

  WorkerService(PipelineController pipelines, Clock clock) {
    this.pipelines = pipelines;
    this.clock = clock;
  }

  @Override
  public StreamObserver<WorkerMessage> work(StreamObserver<DatumTask> tasks) {
    return new Session(tasks);
  }

  /** One agent's stream. gRPC delivers its messages one at a time. */
  private final class Session implements StreamObserver<WorkerMessage>, WorkerSession {
    private final StreamObserver<DatumTask> tasks;
    private String pipeline;
    private String worker = "(unnamed agent)";
    private final List<LogRecord> logs = new ArrayList<>();
    private final List<PutContent> outputs = new ArrayList<>();
    private boolean closed;

    Session(StreamObserver<DatumTask> tasks) {
      this.tasks = tasks;
    }

    @Override
    public String worker() {
      return worker;
    }

    @Override
    public void send(DatumTask task) {
      synchronized (tasks) {
        if (!closed) {
          tasks.onNext(task);
        }
      }
    }

    @Override
    public void onNext(WorkerMessage message) {
      switch (message.getMsgCase()) {
        case HELLO -> {
          if (pipeline != null) {
            fail("hello sent twice");
            return;
          }
          pipeline = message.getHello().getPipeline();
          worker = message.getHello().getWorker();
          try {
            pipelines.attach(pipeline, this);
          } catch (RuntimeException e) {
            pipeline = null;
            fail(e.getMessage());
            return;
          }
          LOG.info("Agent {} of pipeline {} connected ({})", worker, pipeline, message.getHello().getRuntime());
        }
        case LOG -> {
          LogRecord line = new LogRecord(
              message.getLog().getJob(), message.getLog().getDatum(), clock.instant(),
              message.getLog().getStream(), message.getLog().getMessage());
          logs.add(line);
          if (pipeline != null) {
            pipelines.logLine(pipeline, line);
          }
        }
        case OUTPUTS -> outputs.addAll(message.getOutputs().getFilesList());
        case RESULT -> {
          if (pipeline == null) {
            fail("a result before hello");
            return;
          }
          var result = message.getResult();
          var outcome = new DatumOutcome(worker, result.getSuccess(), result.getError(), outputs, logs);
          outputs.clear();
          logs.clear();
          pipelines.finished(pipeline, this, result.getJob(), result.getDatum(), outcome);
        }
        default -> fail("an empty message");
      }
    }

    private void fail(String why) {
      synchronized (tasks) {
        if (!closed) {
          closed = true;
          tasks.onError(Status.INVALID_ARGUMENT.withDescription("Agent " + worker + ": " + why).asRuntimeException());
        }
      }
      detach();
    }

    @Override
    public void onError(Throwable t) {
      LOG.info("Agent {} of pipeline {} disconnected: {}", worker, pipeline, Status.fromThrowable(t));
      synchronized (tasks) {
        closed = true;
      }
      detach();
    }

    @Override
    public void onCompleted() {
      synchronized (tasks) {
        if (!closed) {
          closed = true;
          tasks.onCompleted();
        }
      }
      detach();
    }

    private void detach() {
      if (pipeline != null) {
        pipelines.detach(pipeline, this);
        pipeline = null;
      }
    }
  }
}
