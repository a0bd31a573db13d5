package dev.tusk.mount;

import dev.tusk.api.TuskClient;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ChunkStoreConfig;
import dev.tusk.chunkstore.ObjectStores;
import dev.tusk.fsd.Daemon;
import dev.tusk.fsd.DaemonConfig;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real daemon in this JVM on a free loopback port, a channel to it, and its chunk store. */
final class DaemonFixture implements AutoCloseable {
  final Path dataDir;
  final Daemon daemon;
  final ManagedChannel channel;
  final TuskClient client;

  DaemonFixture(Path dataDir) throws IOException {
    this(dataDir, null);
  }

  /** A daemon keeping its chunks at {@code storeUrl} (null: under its data directory). */
  DaemonFixture(Path dataDir, String storeUrl) throws IOException {
    this.dataDir = dataDir;
    this.daemon = Daemon.start(new DaemonConfig(dataDir, "127.0.0.1:0", storeUrl, null));
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", daemon.port()).usePlaintext().build();
    this.client = new TuskClient(channel);
  }

  /** A fresh chunk store over the daemon's object store, with caches of its own. */
  ChunkStore openChunks() throws IOException {
    return new ChunkStore(ObjectStores.open(client.getStore()), ChunkStoreConfig.defaults());
  }

  /** Puts the files (path to bytes) to {@code repo@branch} as one commit; returns its id. */
  String put(String repo, String branch, Map<String, byte[]> files) {
    client.createRepo(repo, "", true);
    var upload = client.modifyFile(repo, branch, "");
    files.forEach(upload::put);
    return upload.finish().getId();
  }

  @Override
  public void close() throws IOException {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    daemon.close();
  }
}
