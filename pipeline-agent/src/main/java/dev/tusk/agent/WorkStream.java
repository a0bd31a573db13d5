package dev.tusk.agent;

import dev.tusk.api.v1.DatumTask;
import dev.tusk.api.v1.WorkerGrpc;
import dev.tusk.api.v1.WorkerHello;
import dev.tusk.api.v1.WorkerMessage;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The agent's one {@code Work} stream: tasks the daemon sends wait in a queue until taken, and
 * messages go out from any thread, each waiting while gRPC already buffers what the daemon has not
 * read. Once the stream has ended, {@link #take()} and {@link #send} throw.
 */
final class WorkStream implements AutoCloseable {
  /** What the queue holds after the last task once the stream has ended. */
  private static final DatumTask END = DatumTask.newBuilder().setDatum("\0end").build();

  private final BlockingQueue<DatumTask> tasks = new LinkedBlockingQueue<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition ready = lock.newCondition();
  private final Runnable onEnd;
  private ClientCallStreamObserver<WorkerMessage> call;
  /** Why the stream ended: null while it runs, OK when the daemon completed it. */
  private volatile Status ended;

  /**
   * Opens the stream and says hello.
   *
   * @param onEnd runs once, on a gRPC thread, when the stream ends from the daemon's side
   */
  WorkStream(Channel daemon, WorkerHello hello, Runnable onEnd) throws IOException {
    this.onEnd = onEnd;
    WorkerGrpc.newStub(daemon).work(new ClientResponseObserver<WorkerMessage, DatumTask>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<WorkerMessage> requestStream) {
        call = requestStream;
        requestStream.setOnReadyHandler(WorkStream.this::wake);
      }

      @Override
      public void onNext(DatumTask task) {
        tasks.add(task);
      }

      @Override
      public void onError(Throwable t) {
        end(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        end(Status.OK);
      }
    });
    send(WorkerMessage.newBuilder().setHello(hello).build());
  }

  /**
   * The next task, waiting for it; throws once the stream has ended, even with tasks still queued:
   * their results could not be reported, and the daemon gives them to other agents.
   */
  DatumTask take() throws IOException, InterruptedException {
    DatumTask task = tasks.take();
    if (task == END || ended != null) {
      tasks.add(END); // for any later take
      throw endedException();
    }
    return task;
  }

  /** Sends one message; thread-safe. */
  void send(WorkerMessage message) throws IOException {
    lock.lock();
    try {
      while (ended == null && !call.isReady()) {
        ready.awaitUninterruptibly();
      }
      if (ended != null) {
        throw endedException();
      }
      call.onNext(message);
    } finally {
      lock.unlock();
    }
  }

  /** Whether the daemon completed the stream on purpose (as opposed to a failure). */
  boolean completedByDaemon() {
    return Status.OK.equals(ended);
  }

  /** Ends the stream from this side; idempotent. */
  @Override
  public void close() {
    lock.lock();
    try {
      if (ended == null) {
        ended = Status.CANCELLED.withDescription("closed by the agent");
        call.cancel("agent closing", null);
      }
      ready.signalAll();
    } finally {
      lock.unlock();
    }
    tasks.add(END);
  }

  private void end(Status status) {
    lock.lock();
    try {
      if (ended != null) {
        return;
      }
      ended = status;
      if (status.isOk()) {
        call.onCompleted();
      }
      ready.signalAll();
    } finally {
      lock.unlock();
    }
    tasks.add(END);
    onEnd.run();
  }

  private void wake() {
    lock.lock();
    try {
      ready.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private IOException endedException() {
    Status status = ended;
    return new IOException(status.isOk()
        ? "The daemon ended the work stream"
        : "The work stream broke: " + status.getCode()
            + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")"),
        status.getCause());
  }
}
