package dev.tusk.chunkstore;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DiskChunkCacheTest {
  private final FileSystem fs = Jimfs.newFileSystem(Configuration.unix());
  private final Path dir = fs.getPath("/cache");

  @AfterEach
  void closeFs() throws IOException {
    fs.close();
  }

  private static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  @Test
  void returnsWhatWasPut() throws IOException {
    DiskChunkCache cache = new DiskChunkCache(dir, 1 << 20);
    byte[] data = random(1000, 1);
    ChunkId id = ChunkId.of(data);
    assertThat(cache.get(id)).isNull();
    cache.put(id, data);
    assertThat(cache.get(id)).isEqualTo(data);
  }

  @Test
  void staysWithinItsBound() throws IOException {
    DiskChunkCache cache = new DiskChunkCache(dir, 10_000);
    for (int i = 0; i < 20; i++) {
      byte[] data = random(1000, i);
      cache.put(ChunkId.of(data), data);
    }
    assertThat(cache.sizeBytes()).isLessThanOrEqualTo(10_000);
    try (var files = Files.walk(dir)) {
      assertThat(files.filter(Files::isRegularFile).count()).isLessThanOrEqualTo(10);
    }
  }

  @Test
  void aDamagedEntryIsAMissAndIsDropped() throws IOException {
    DiskChunkCache cache = new DiskChunkCache(dir, 1 << 20);
    byte[] data = random(1000, 2);
    ChunkId id = ChunkId.of(data);
    cache.put(id, data);
    Files.write(dir.resolve(id.hex().substring(0, 2)).resolve(id.hex()), random(1000, 3));
    assertThat(cache.get(id)).isNull();
    assertThat(cache.sizeBytes()).isZero();
  }

  @Test
  void survivesARestart() throws IOException {
    byte[] data = random(1000, 4);
    ChunkId id = ChunkId.of(data);
    new DiskChunkCache(dir, 1 << 20).put(id, data);
    Files.write(dir.resolve("ab~leftover-temp"), new byte[] {1});
    DiskChunkCache reopened = new DiskChunkCache(dir, 1 << 20);
    assertThat(reopened.get(id)).isEqualTo(data);
    assertThat(Files.exists(dir.resolve("ab~leftover-temp"))).isFalse();
  }

  @Test
  void servesAChunkStoreAfterTheBackendLosesIt() throws IOException {
    InMemoryObjectStore backend = new InMemoryObjectStore();
    ChunkStoreConfig config = ChunkStoreConfig.defaults().withMemoryCacheBytes(0).withDiskCache(dir, 1 << 20);
    byte[] data = random(1000, 5);
    ChunkId id;
    try (ChunkStore store = new ChunkStore(backend, config)) {
      id = store.write(data).join();
      assertThat(store.read(id)).isEqualTo(data); // fills the disk cache
    }
    backend.delete(id.objectKey());
    try (ChunkStore store = new ChunkStore(backend, config)) {
      assertThat(store.read(id)).isEqualTo(data);
    }
  }
}
