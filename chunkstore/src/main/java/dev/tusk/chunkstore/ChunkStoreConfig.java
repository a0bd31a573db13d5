package dev.tusk.chunkstore;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How a {@link ChunkStore} chunks, caches and parallelizes; keys in a config file look like {@code
 * chunkstore.cache.max-bytes}.
 *
 * @param chunker the content-defined chunk sizes
 * @param memoryCacheBytes bytes of verified chunks kept on the heap ({@code chunkstore.cache.max-bytes})
 * @param diskCacheDir where chunks of a remote backend are cached on local disk, if anywhere
 * @param diskCacheBytes the on-disk cache's bound ({@code chunkstore.disk-cache.max-bytes})
 * @param ioThreads parallel uploads and downloads ({@code chunkstore.io-threads})
 * @param maxInFlightBytes bytes of chunks queued or being uploaded before writers wait
 * @param readAheadChunks chunks fetched ahead of a sequential reader
 */
public record ChunkStoreConfig(
    Chunker chunker,
    long memoryCacheBytes,
    Optional<Path> diskCacheDir,
    long diskCacheBytes,
    int ioThreads,
    int maxInFlightBytes,
    int readAheadChunks) {

  public ChunkStoreConfig {
    if (memoryCacheBytes < 0 || diskCacheBytes < 0 || ioThreads < 1 || readAheadChunks < 0) {
      throw new IllegalArgumentException("Invalid chunk store config " + this);
    }
    if (maxInFlightBytes < chunker.maxSize()) {
      throw new IllegalArgumentException(
          "maxInFlightBytes " + maxInFlightBytes + " is below the largest chunk " + chunker.maxSize());
    }
  }

  /**
   * Defaults sized to the heap: a quarter of it for the memory cache, 32 I/O threads, 32 chunks
   * (about 20 MB) of read-ahead, which doubled first reads over 8 in bench/chunkstore.sh, and 16
   * max-size chunks in flight (64 MiB), no disk cache.
   *
   * <p>32 threads, not 8, because on a local disk each chunk's fsync waits for a journal commit,
   * and ext4 folds concurrent fsyncs into one: writing 2048 chunk files with an fsync each ran at
   * 330-400 MiB/s from 8 threads, 460-550 from 16 and 600-800 from 32 (the same run). Threads
   * waiting on the disk or the network cost no CPU, and the bytes in flight stay bounded.
   */
  public static ChunkStoreConfig defaults() {
    Chunker chunker = Chunker.DEFAULT;
    return new ChunkStoreConfig(
        chunker,
        Runtime.getRuntime().maxMemory() / 4,
        Optional.empty(),
        10L << 30,
        32,
        16 * chunker.maxSize(),
        32);
  }

  public ChunkStoreConfig withMemoryCacheBytes(long bytes) {
    return new ChunkStoreConfig(
        chunker, bytes, diskCacheDir, diskCacheBytes, ioThreads, maxInFlightBytes, readAheadChunks);
  }

  public ChunkStoreConfig withDiskCache(Path dir, long bytes) {
    return new ChunkStoreConfig(
        chunker, memoryCacheBytes, Optional.of(dir), bytes, ioThreads, maxInFlightBytes, readAheadChunks);
  }

  public ChunkStoreConfig withChunker(Chunker newChunker) {
    return new ChunkStoreConfig(
        newChunker,
        memoryCacheBytes,
        diskCacheDir,
        diskCacheBytes,
        ioThreads,
        Math.max(maxInFlightBytes, 16 * newChunker.maxSize()),
        readAheadChunks);
  }
}
