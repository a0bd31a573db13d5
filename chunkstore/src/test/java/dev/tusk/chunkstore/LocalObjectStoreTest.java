package dev.tusk.chunkstore;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.file.FileSystem;
import org.junit.jupiter.api.AfterEach;

/** The local backend on an in-memory POSIX filesystem. */
class LocalObjectStoreTest extends AbstractObjectStoreTest {
  private FileSystem fs;

  @Override
  protected ObjectStore newStore() throws Exception {
    fs = Jimfs.newFileSystem(Configuration.unix());
    return new LocalObjectStore(fs.getPath("/var/lib/tusk"), true);
  }

  @AfterEach
  void closeFileSystem() throws Exception {
    fs.close();
  }
}
