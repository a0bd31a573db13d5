package dev.tusk.chunkstore;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The local backend on the real disk with direct I/O turned off by its URL: the page-cache path. */
class LocalObjectStoreBufferedOnDiskTest extends AbstractObjectStoreTest {
  @TempDir Path dir;

  @Override
  protected ObjectStore newStore() throws Exception {
    return ObjectStores.open(dir.resolve("store").toUri() + "?direct_io=false");
  }
}
