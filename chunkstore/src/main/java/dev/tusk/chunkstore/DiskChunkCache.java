package dev.tusk.chunkstore;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded cache of chunks on local disk, in front of a remote backend. Chunks never change, so
 * entries are never invalidated, only evicted (least recently used first) when the bound is hit.
 * Entries are verified on every read: a damaged file is dropped and counts as a miss. Files are not
 * fsynced; after a crash a torn file fails verification, which is harmless.
 */
final class DiskChunkCache {
  private static final Logger LOG = LoggerFactory.getLogger(DiskChunkCache.class);

  private final Path dir;
  private final Cache<ChunkId, Integer> index;

  DiskChunkCache(Path dir, long maxBytes) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.index =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .<ChunkId, Integer>weigher((id, size) -> size)
            .<ChunkId, Integer>evictionListener((id, size, cause) -> deleteQuietly(id))
            .executor(Runnable::run)
            .build();
    try (Stream<Path> files = Files.walk(dir, 2)) {
      files.filter(Files::isRegularFile).forEach(this::adopt);
    }
  }

  /** The verified chunk, or {@code null} when it is not cached (or was damaged). */
  byte[] get(ChunkId id) {
    if (index.getIfPresent(id) == null) {
      return null;
    }
    try {
      byte[] data = Files.readAllBytes(pathOf(id));
      if (ChunkId.of(data).equals(id)) {
        return data;
      }
      LOG.warn("Dropping damaged chunk {} from the disk cache {}", id, dir);
    } catch (NoSuchFileException e) {
      // Removed behind our back; a miss.
    } catch (IOException e) {
      LOG.warn("Cannot read chunk {} from the disk cache {}: {}", id, dir, e.toString());
    }
    index.invalidate(id);
    deleteQuietly(id);
    return null;
  }

  /** Caches a verified chunk; failures only cost a future miss. */
  void put(ChunkId id, byte[] data) {
    if (index.getIfPresent(id) != null) {
      return;
    }
    Path target = pathOf(id);
    Path temp = target.resolveSibling(id.hex() + "~" + UUID.randomUUID());
    try {
      Files.createDirectories(target.getParent());
      Files.write(temp, data);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      index.put(id, data.length);
    } catch (IOException e) {
      LOG.warn("Cannot cache chunk {} in {}: {}", id, dir, e.toString());
      try {
        Files.deleteIfExists(temp);
      } catch (IOException ignored) {
        // Nothing more to do; the temp name is never read.
      }
    }
  }

  /** Bytes of chunks currently indexed. */
  long sizeBytes() {
    index.cleanUp();
    return index.policy().eviction().orElseThrow().weightedSize().orElse(0);
  }

  private void adopt(Path file) {
    String name = file.getFileName().toString();
    try {
      if (name.contains("~")) {
        Files.deleteIfExists(file); // a temp file left by a crash
      } else {
        index.put(new ChunkId(name), (int) Files.size(file));
      }
    } catch (IllegalArgumentException e) {
      LOG.warn("Ignoring a stray file {} in the disk cache", file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path pathOf(ChunkId id) {
    return dir.resolve(id.hex().substring(0, 2)).resolve(id.hex());
  }

  private void deleteQuietly(ChunkId id) {
    try {
      Files.deleteIfExists(pathOf(id));
    } catch (IOException e) {
      LOG.warn("Cannot delete chunk {} from the disk cache {}: {}", id, dir, e.toString());
    }
  }
}
