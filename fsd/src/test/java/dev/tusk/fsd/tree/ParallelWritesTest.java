package dev.tusk.fsd.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.chunkstore.ObjectStore;
import dev.tusk.fsd.tree.TreeChange.PutFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ParallelWritesTest {
  private ExecutorService executor;

  @BeforeEach
  void setUp() {
    executor = Executors.newFixedThreadPool(4);
  }

  @AfterEach
  void tearDown() {
    executor.shutdownNow();
  }

  private static List<TreeChange> files(int dirs, int perDir) {
    List<TreeChange> puts = new ArrayList<>();
    for (int d = 0; d < dirs; d++) {
      for (int f = 0; f < perDir; f++) {
        puts.add(new PutFile("/d" + d + "/f" + f, Contents.of(d + "/" + f)));
      }
    }
    puts.add(new PutFile("/huge", Contents.large("huge", 100)));
    return puts;
  }

  @Test
  void buildTheSameTreeAsSerialWrites() throws IOException {
    try (CountingObjectStore serialObjects = MemoryStores.open();
        CountingObjectStore parallelObjects = MemoryStores.open()) {
      TreeRef serial = new TreeStore(serialObjects, 1 << 20).apply(TreeRef.EMPTY, files(20, 3000));

      TreeRef parallel =
          new TreeStore(parallelObjects, 1 << 20, executor).apply(TreeRef.EMPTY, files(20, 3000));

      assertThat(parallel).isEqualTo(serial);
      assertThat(parallelObjects.list("").sorted().toList())
          .isEqualTo(serialObjects.list("").sorted().toList());
    }
  }

  @Test
  void everyObjectIsStoredWhenApplyReturns() throws IOException {
    try (CountingObjectStore objects = MemoryStores.open()) {
      TreeRef root =
          new TreeStore(objects, 1 << 20, executor).apply(TreeRef.EMPTY, files(20, 3000));

      // A store without a cache must find every page and content object.
      assertThat(new TreeStore(objects, 0).walk(root, "/").count()).isEqualTo(20 + 60_000 + 2);
      assertThat(new TreeStore(objects, 0).get(root, "/huge").orElseThrow().content().refs())
          .hasSize(100);
    }
  }

  @Test
  void oneBarrierMakesAnUpdateDurableBeforeApplyReturns() throws IOException {
    try (CountingObjectStore objects = MemoryStores.open()) {
      new TreeStore(objects, 1 << 20, executor).apply(TreeRef.EMPTY, files(20, 3000));

      assertThat(objects.created.get()).isGreaterThan(20);
      assertThat(objects.unsyncedSinceBarrier.get()).isZero();
      assertThat(objects.barriers.get()).isEqualTo(1);
    }
  }

  @Test
  void aFailedWriteFailsTheUpdate() throws IOException {
    try (CountingObjectStore objects = MemoryStores.open()) {
      ObjectStore failing = new FailingAfter(objects, 5);

      assertThatThrownBy(
              () -> new TreeStore(failing, 1 << 20, executor).apply(TreeRef.EMPTY, files(20, 3000)))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("disk full");
    }
  }

  /** Fails every put-if-absent after the first few. */
  private static final class FailingAfter implements ObjectStore {
    private final ObjectStore delegate;
    private final AtomicInteger remaining;

    FailingAfter(ObjectStore delegate, int successes) {
      this.delegate = delegate;
      this.remaining = new AtomicInteger(successes);
    }

    @Override
    public void put(String key, byte[] data) throws IOException {
      delegate.put(key, data);
    }

    @Override
    public boolean putIfAbsent(String key, byte[] data) throws IOException {
      if (remaining.decrementAndGet() < 0) {
        throw new IOException("disk full");
      }
      return delegate.putIfAbsent(key, data);
    }

    @Override
    public byte[] get(String key) throws IOException {
      return delegate.get(key);
    }

    @Override
    public byte[] get(String key, long offset, int length) throws IOException {
      return delegate.get(key, offset, length);
    }

    @Override
    public boolean exists(String key) throws IOException {
      return delegate.exists(key);
    }

    @Override
    public void delete(String key) throws IOException {
      delegate.delete(key);
    }

    @Override
    public Stream<String> list(String prefix) throws IOException {
      return delegate.list(prefix);
    }

    @Override
    public void close() {}
  }
}
