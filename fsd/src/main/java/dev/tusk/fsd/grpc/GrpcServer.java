package dev.tusk.fsd.grpc;

import dev.tusk.fsd.Threads;
import dev.tusk.fsd.pipeline.PipelineController;
import dev.tusk.fsd.version.Pfs;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The gRPC server: the services, the error interceptor, and a bounded application executor. */
public final class GrpcServer implements AutoCloseable {
  private static final int MAX_MESSAGE_BYTES = 16 << 20;
  private static final int MAX_THREADS = 256;

  private final Server server;
  private final ExecutorService executor;

  private GrpcServer(Server server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Serves {@code pfs} and {@code pipelines}; {@code storeUrl} is what clients that read chunks
   * directly are told.
   */
  public static GrpcServer start(String host, int port, Pfs pfs, String storeUrl, PipelineController pipelines)
      throws IOException {
    ExecutorService executor = executor();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .executor(executor)
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .addService(ServerInterceptors.intercept(new PfsService(pfs, storeUrl), new ErrorMappingInterceptor()))
        .addService(ServerInterceptors.intercept(new PpsService(pipelines), new ErrorMappingInterceptor()))
        .addService(new WorkerService(pipelines, Clock.systemUTC()))
        .build();
    try {
      server.start();
    } catch (IOException e) {
      executor.shutdownNow();
      throw new IOException("Cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
    }
    return new GrpcServer(server, executor);
  }

  public int port() {
    return server.getPort();
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /** Stops taking calls, gives running ones 5 s, then cuts them off. */
  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      executor.shutdownNow();
    }
  }

  /** Handlers may block (waiting for a commit, writing chunks), so threads grow up to a bound. */
  private static ExecutorService executor() {
    return new ThreadPoolExecutor(
        4, MAX_THREADS, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), Threads.named("tusk-grpc-"));
  }
}
