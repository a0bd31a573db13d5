package dev.tusk.chunkstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local backend on the real disk, where fsync and hard links are the kernel's, opened by URL. */
class LocalObjectStoreOnDiskTest extends AbstractObjectStoreTest {
  @TempDir Path dir;

  @Override
  protected ObjectStore newStore() throws Exception {
    return ObjectStores.open(dir.resolve("store").toUri().toString());
  }

  @Test
  void leavesNoTemporaryFilesBehind() throws Exception {
    store.put("a/b", new byte[] {1});
    store.putIfAbsent("a/b", new byte[] {2});
    store.putIfAbsent("a/c", new byte[] {3});
    try (Stream<Path> files = Files.list(dir.resolve("store/a"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("b", "c");
    }
  }
}
