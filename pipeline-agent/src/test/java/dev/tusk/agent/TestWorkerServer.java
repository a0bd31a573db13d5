package dev.tusk.agent;

import dev.tusk.api.v1.DatumLog;
import dev.tusk.api.v1.DatumResult;
import dev.tusk.api.v1.DatumTask;
import dev.tusk.api.v1.PutContent;
import dev.tusk.api.v1.WorkerGrpc;
import dev.tusk.api.v1.WorkerHello;
import dev.tusk.api.v1.WorkerMessage;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The daemon's side of the Work protocol, for tests, until the real scheduler lands: hands out the
 * tasks a test gives it and records what comes back, one {@link Session} per agent stream.
 */
final class TestWorkerServer implements AutoCloseable {
  private final Server server;
  private final ManagedChannel channel;
  private final BlockingQueue<Session> sessions = new LinkedBlockingQueue<>();

  TestWorkerServer() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name)
        .addService(new WorkerGrpc.WorkerImplBase() {
          @Override
          public StreamObserver<WorkerMessage> work(StreamObserver<DatumTask> tasks) {
            Session session = new Session(tasks);
            sessions.add(session);
            return session;
          }
        })
        .build()
        .start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  /** A channel that sends Worker calls here and everything else to {@code pfs} (the real daemon). */
  Channel routing(Channel pfs) {
    return new Channel() {
      @Override
      public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
        Channel to = WorkerGrpc.SERVICE_NAME.equals(method.getServiceName()) ? channel : pfs;
        return to.newCall(method, options);
      }

      @Override
      public String authority() {
        return pfs.authority();
      }
    };
  }

  /** The next agent stream, once it said hello. */
  Session awaitSession() throws Exception {
    Session session = sessions.poll(30, TimeUnit.SECONDS);
    if (session == null) {
      throw new TimeoutException("No agent connected");
    }
    session.hello.get(30, TimeUnit.SECONDS);
    return session;
  }

  /** What an agent reported for one datum. */
  record Report(List<DatumLog> logs, List<PutContent> outputs, List<Integer> outputMessageBytes, DatumResult result) {
    List<String> lines(String stream) {
      return logs.stream().filter(l -> l.getStream().equals(stream)).map(DatumLog::getMessage).toList();
    }
  }

  /** One agent's stream. */
  static final class Session implements StreamObserver<WorkerMessage> {
    final CompletableFuture<WorkerHello> hello = new CompletableFuture<>();
    /** Completes when the agent ends the stream, with the error if it broke it. */
    final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final StreamObserver<DatumTask> tasks;
    private final BlockingQueue<WorkerMessage> received = new LinkedBlockingQueue<>();

    private Session(StreamObserver<DatumTask> tasks) {
      this.tasks = tasks;
    }

    synchronized void send(DatumTask task) {
      tasks.onNext(task);
    }

    /** The daemon ends the stream on purpose. */
    synchronized void complete() {
      tasks.onCompleted();
    }

    /** The stream breaks, as when the daemon goes away. */
    synchronized void fail() {
      tasks.onError(Status.UNAVAILABLE.withDescription("daemon going away").asRuntimeException());
    }

    /** The next message from the agent. */
    WorkerMessage next(Duration timeout) throws Exception {
      WorkerMessage message = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (message == null) {
        printThreads(); // a stalled agent is rare and load-dependent: leave what it was doing
        throw new TimeoutException("The agent sent nothing for " + timeout);
      }
      return message;
    }

    private static void printThreads() {
      StringBuilder dump = new StringBuilder("Threads when the agent had sent nothing:\n");
      Thread.getAllStackTraces().forEach((thread, frames) -> {
        dump.append('"').append(thread.getName()).append("\" ").append(thread.getState()).append('\n');
        for (StackTraceElement frame : frames) {
          dump.append("    at ").append(frame).append('\n');
        }
      });
      System.err.print(dump);
    }

    /** Everything the agent sends for the next datum, up to its result. */
    Report awaitReport(Duration timeout) throws Exception {
      List<DatumLog> logs = new ArrayList<>();
      List<PutContent> outputs = new ArrayList<>();
      List<Integer> outputMessageBytes = new ArrayList<>();
      while (true) {
        WorkerMessage message = next(timeout);
        switch (message.getMsgCase()) {
          case LOG -> logs.add(message.getLog());
          case OUTPUTS -> {
            outputs.addAll(message.getOutputs().getFilesList());
            outputMessageBytes.add(message.getSerializedSize());
          }
          case RESULT -> {
            return new Report(logs, outputs, outputMessageBytes, message.getResult());
          }
          default -> throw new AssertionError("Unexpected message " + message);
        }
      }
    }

    /** The log lines received so far, without waiting for a result. */
    List<WorkerMessage> drained() {
      List<WorkerMessage> out = new ArrayList<>();
      received.drainTo(out);
      return out;
    }

    @Override
    public void onNext(WorkerMessage message) {
      if (message.hasHello()) {
        hello.complete(message.getHello());
      } else {
        received.add(message);
      }
    }

    @Override
    public void onError(Throwable t) {
      ended.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      ended.complete(null);
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
