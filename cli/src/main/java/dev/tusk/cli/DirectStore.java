package dev.tusk.cli;

import dev.tusk.api.TuskClient;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ChunkStoreConfig;
import dev.tusk.chunkstore.ObjectStores;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Opens the daemon's own chunk store in this client, so that {@code get file} reads chunks and
 * {@code put file} writes them without their bytes passing through the daemon, as the mount does.
 * Chunks are content-addressed and verified on every read, so this is safe whenever the client
 * can reach the same store; otherwise the commands stream bytes over gRPC as before.
 *
 * <p>{@code TUSK_DIRECT_STORE} chooses: {@code auto} (the default) uses a local {@code file://}
 * store when the daemon listens on a loopback address (so on this machine) and the store's
 * directory is there and accessible; {@code off} always streams; {@code on} requires the direct
 * path and fails with the reason when the store cannot be used (also for {@code s3://} and
 * {@code azblob://} stores, with the credentials that their URL or the environment give).
 */
final class DirectStore {
  static final String ENV = "TUSK_DIRECT_STORE";
  /**
   * A one-shot client reads each chunk once, and {@code get file} holds the chunks it reads ahead
   * itself ({@link ChunkReads}): no memory cache. Every chunk a cache kept alive would be copied at
   * each young collection of the client's serial GC (the defaults, a quarter of the heap, kept up to
   * 128 MiB alive).
   */
  private static final long MEMORY_CACHE_BYTES = 0;
  /** The store's own read-ahead is for readers at random offsets; get file reads ahead itself. */
  private static final int READ_AHEAD_CHUNKS = 0;

  /** Whether the store is opened to read chunks or to write them too. */
  enum Access {
    READ,
    WRITE
  }

  private DirectStore() {}

  /**
   * The daemon's chunk store opened here, or null when this client should stream bytes instead.
   *
   * @throws IllegalStateException when {@code TUSK_DIRECT_STORE=on} and the store cannot be used
   */
  static ChunkStore open(TuskClient client, String address, Io io, Access access) throws IOException {
    String mode = io.getenv(ENV);
    mode = mode == null ? "auto" : mode.toLowerCase(Locale.ROOT);
    switch (mode) {
      case "off" -> {
        return null;
      }
      case "auto", "on" -> {}
      default -> throw new IllegalArgumentException(
          "Invalid " + ENV + " '" + mode + "': expected auto, on or off");
    }
    boolean required = mode.equals("on");
    String url = client.getStore();
    String refusal = required ? null : refusal(url, address, access);
    if (refusal != null) {
      return null;
    }
    try {
      if (url.startsWith("mem:")) {
        throw new IOException("the daemon keeps its chunks in its own memory (" + url + ")");
      }
      if (url.startsWith("file:")) {
        String problem = localProblem(url, access);
        if (problem != null) {
          throw new IOException(problem);
        }
      }
      ChunkStoreConfig defaults = ChunkStoreConfig.defaults();
      ChunkStoreConfig config = new ChunkStoreConfig(
          defaults.chunker(),
          MEMORY_CACHE_BYTES,
          defaults.diskCacheDir(),
          defaults.diskCacheBytes(),
          defaults.ioThreads(),
          defaults.maxInFlightBytes(),
          READ_AHEAD_CHUNKS);
      return new ChunkStore(ObjectStores.open(url), config);
    } catch (IOException | RuntimeException e) {
      if (required) {
        throw new IllegalStateException(
            "Cannot use the daemon's chunk store directly (" + ENV + "=on): " + e.getMessage(), e);
      }
      return null;
    }
  }

  /** Why {@code auto} does not use the store at {@code url}, or null when it does. */
  private static String refusal(String url, String address, Access access) {
    if (!url.startsWith("file:")) {
      return "not a local store";
    }
    if (!isLoopback(address)) {
      return "the daemon is on another machine";
    }
    return localProblem(url, access);
  }

  /** Why a local store's directory cannot be used from here, or null. */
  private static String localProblem(String url, Access access) {
    Path dir;
    try {
      dir = Path.of(URI.create(url));
    } catch (IllegalArgumentException e) {
      return "invalid store URL";
    }
    if (!Files.isDirectory(dir)) {
      return dir + " is not a directory here";
    }
    if (!Files.isReadable(dir) || (access == Access.WRITE && !Files.isWritable(dir))) {
      return dir + " is not " + (access == Access.WRITE ? "writable" : "readable") + " by this user";
    }
    return null;
  }

  private static boolean isLoopback(String address) {
    try {
      return InetAddress.getByName(HostPort.parse(address, "address").host()).isLoopbackAddress();
    } catch (UnknownHostException | IllegalArgumentException e) {
      return false;
    }
  }
}
