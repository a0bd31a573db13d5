package dev.tusk.chunkstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * When the local backend fsyncs directories: at once for durable puts, once per barrier for
 * unsynced ones. The directory fsyncs are recorded instead of run (Jimfs has none).
 */
class LocalObjectStoreBarrierTest {
  private FileSystem fs;
  private Path root;
  private final List<Path> synced = new CopyOnWriteArrayList<>();
  private volatile String failSyncOf;
  private LocalObjectStore store;

  @BeforeEach
  void open() throws IOException {
    fs = Jimfs.newFileSystem(Configuration.unix());
    root = fs.getPath("/store");
    store =
        new LocalObjectStore(
            root,
            true,
            dir -> {
              if (dir.endsWith(String.valueOf(failSyncOf))) {
                throw new IOException("fsync failed: " + dir);
              }
              synced.add(dir);
            });
  }

  @AfterEach
  void close() throws IOException {
    store.close();
    fs.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void unsyncedPutsLeaveDirectoryFsyncsToTheBarrier() throws IOException {
    store.putIfAbsentUnsynced("chunks/aa/1", bytes("1"));
    store.putIfAbsentUnsynced("chunks/aa/2", bytes("2"));
    store.putIfAbsentUnsynced("chunks/bb/3", bytes("3"));
    assertThat(synced).isEmpty();

    store.sync();

    // Each changed directory once, and the parents of the directories that were created.
    assertThat(synced)
        .containsExactlyInAnyOrder(
            root.resolve("chunks/aa"), root.resolve("chunks/bb"), root.resolve("chunks"), root);
  }

  @Test
  void aBarrierSyncsOnlyWhatChangedSinceTheLastOne() throws IOException {
    store.putIfAbsentUnsynced("chunks/aa/1", bytes("1"));
    store.putIfAbsentUnsynced("chunks/bb/2", bytes("2"));
    store.sync();
    synced.clear();

    store.sync();
    assertThat(synced).isEmpty();

    store.putIfAbsentUnsynced("chunks/aa/3", bytes("3"));
    store.sync();
    assertThat(synced).containsExactly(root.resolve("chunks/aa"));
  }

  @Test
  void anObjectFoundAlreadyThereIsCoveredByTheBarrier() throws IOException {
    store.putIfAbsentUnsynced("chunks/aa/1", bytes("1"));
    store.sync();
    synced.clear();

    // Another writer's link may not be durable yet: the barrier must cover what this call saw.
    assertThat(store.putIfAbsentUnsynced("chunks/aa/1", bytes("1"))).isFalse();
    store.sync();
    assertThat(synced).containsExactly(root.resolve("chunks/aa"));
  }

  @Test
  void aFailedDirectoryFsyncFailsTheBarrierAndIsRetriedByTheNext() throws IOException {
    store.putIfAbsentUnsynced("chunks/aa/1", bytes("1"));
    store.putIfAbsentUnsynced("chunks/bb/2", bytes("2"));
    failSyncOf = "bb";
    assertThatThrownBy(store::sync).isInstanceOf(IOException.class).hasMessageContaining("chunks/bb");

    failSyncOf = null;
    synced.clear();
    store.sync();
    assertThat(synced).contains(root.resolve("chunks/bb"));
  }

  @Test
  void durablePutsSyncTheirDirectoryAndAnyCreatedParentsAtOnce() throws IOException {
    store.put("trees/aa/1", bytes("1"));
    assertThat(synced)
        .containsExactlyInAnyOrder(root, root.resolve("trees"), root.resolve("trees/aa"));
    synced.clear();

    store.putIfAbsent("trees/aa/2", bytes("2"));
    assertThat(synced).containsExactly(root.resolve("trees/aa"));
  }

  @Test
  void aLeftoverTemporaryFileIsNeverVisibleAsAnObject() throws IOException {
    // What a process killed between writing and linking leaves behind.
    Path dir = Files.createDirectories(root.resolve("chunks/aa"));
    Files.write(dir.resolve("1~0b0e5a1e-dead"), bytes("half"));

    assertThat(store.exists("chunks/aa/1")).isFalse();
    try (Stream<String> keys = store.list("")) {
      assertThat(keys).isEmpty();
    }
    assertThat(store.putIfAbsentUnsynced("chunks/aa/1", bytes("whole"))).isTrue();
    assertThat(store.get("chunks/aa/1")).isEqualTo(bytes("whole"));
  }

  @Test
  void aClosedStoreRefusesTheBarrier() throws IOException {
    store.putIfAbsentUnsynced("chunks/aa/1", bytes("1"));
    store.close();
    assertThatThrownBy(store::sync).isInstanceOf(IOException.class);
  }
}
