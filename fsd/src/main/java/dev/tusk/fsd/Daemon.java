package dev.tusk.fsd;

import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ChunkStoreConfig;
import dev.tusk.chunkstore.ObjectStores;
import dev.tusk.fsd.grpc.GrpcServer;
import dev.tusk.fsd.pipeline.PipelineController;
import dev.tusk.fsd.pipeline.ProcessWorkerLauncher;
import dev.tusk.fsd.pipeline.WorkerLauncher;
import dev.tusk.fsd.s3.S3Gateway;
import dev.tusk.fsd.store.MetadataStore;
import dev.tusk.fsd.store.MetadataStores;
import dev.tusk.fsd.tree.TreeStore;
import dev.tusk.fsd.version.Pfs;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Tusk daemon: the chunk store, the metadata store and the gRPC server, wired together. Closing
 * it shuts them down in reverse order.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
  private static final long TREE_CACHE_BYTES = 128L << 20;
  private static final int TREE_WRITE_THREADS = 8;

  private final Deque<AutoCloseable> resources;
  private final GrpcServer server;
  private final Pfs pfs;
  private final S3Gateway s3;

  private Daemon(Deque<AutoCloseable> resources, GrpcServer server, Pfs pfs, S3Gateway s3) {
    this.resources = resources;
    this.server = server;
    this.pfs = pfs;
    this.s3 = s3;
  }

  /** Opens the stores, finishes commits a crash left open, and starts serving. */
  public static Daemon start(DaemonConfig config) throws IOException {
    Deque<AutoCloseable> opened = new ArrayDeque<>();
    try {
      Files.createDirectories(config.dataDir());
      ChunkStore chunks = new ChunkStore(
          ObjectStores.open(config.effectiveStoreUrl()), ChunkStoreConfig.defaults());
      opened.push(chunks);
      MetadataStore meta = MetadataStores.open(config.effectiveMetadataUrl());
      opened.push(meta);
      // A commit's few new tree pages are each fsynced: write them in parallel.
      ExecutorService treeWrites =
          Executors.newFixedThreadPool(TREE_WRITE_THREADS, Threads.named("tusk-tree-write-"));
      opened.push(treeWrites::shutdownNow);
      TreeStore trees = new TreeStore(chunks.objects(), TREE_CACHE_BYTES, treeWrites);
      Pfs pfs = new Pfs(meta, trees, chunks, Clock.systemUTC());
      int recovered = pfs.finishOpenCommits();
      if (recovered > 0) {
        LOG.info("Finished {} commits left open by the previous run", recovered);
      }
      AtomicReference<String> agentAddress = new AtomicReference<>();
      WorkerLauncher launcher = new ProcessWorkerLauncher(
          agentAddress::get, config.runtime(), config.dataDir().toAbsolutePath().resolve("workers"));
      PipelineController pipelines =
          new PipelineController(pfs, meta.pipelines(), launcher, config.runtime(), Clock.systemUTC());
      GrpcServer server =
          GrpcServer.start(config.host(), config.port(), pfs, config.effectiveStoreUrl(), pipelines);
      opened.push(server);
      // Closed before the server, so that agents it stops are not taken for crashed ones.
      opened.push(pipelines);
      agentAddress.set(agentHost(config.host()) + ":" + server.port());
      pipelines.start();
      S3Gateway s3 = null;
      if (config.s3() != null) {
        // Closed first: no S3 request starts while the rest shuts down.
        s3 = S3Gateway.start(config.s3(), pfs, config.dataDir().toAbsolutePath().resolve("s3-uploads"));
        opened.push(s3);
      }
      LOG.info("Tusk daemon serving on {}:{} with data in {}", config.host(), server.port(), config.dataDir());
      return new Daemon(opened, server, pfs, s3);
    } catch (IOException | RuntimeException e) {
      closeAll(opened, e);
      throw e;
    }
  }

  /** Where agents on this machine reach a daemon listening on {@code host}. */
  private static String agentHost(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") ? "127.0.0.1" : host;
  }

  public int port() {
    return server.port();
  }

  /** The S3 gateway's port; fails if the daemon runs none. */
  public int s3Port() {
    if (s3 == null) {
      throw new IllegalStateException("This daemon runs no S3 gateway");
    }
    return s3.port();
  }

  /** The versioned file system behind the API, for in-process callers such as tests. */
  public Pfs pfs() {
    return pfs;
  }

  /** Blocks until the server stops. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() throws IOException {
    IOException failure = new IOException("Cannot shut the daemon down cleanly");
    closeAll(resources, failure);
    if (failure.getSuppressed().length > 0) {
      throw failure;
    }
  }

  private static void closeAll(Deque<AutoCloseable> resources, Throwable collector) {
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        collector.addSuppressed(e);
      }
    }
  }
}
