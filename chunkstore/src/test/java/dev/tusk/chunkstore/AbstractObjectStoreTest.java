package dev.tusk.chunkstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ObjectStore} backend must have. Each backend's test is a subclass that
 * only says how to open a fresh, empty store.
 */
public abstract class AbstractObjectStoreTest {
  protected ObjectStore store;

  /** A new, empty store; closed after each test. */
  protected abstract ObjectStore newStore() throws Exception;

  @BeforeEach
  void open() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() throws Exception {
    store.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  @Test
  void putThenGetReturnsTheBytes() throws Exception {
    store.put("a/b/c", bytes("hello"));
    assertThat(store.get("a/b/c")).isEqualTo(bytes("hello"));
  }

  @Test
  void getIntoABufferFillsOneOfTheObjectsSize() throws Exception {
    byte[] data = random(300_000, 7);
    store.put("a/big", data);
    List<Integer> asked = new ArrayList<>();
    ByteBuffer got = store.get("a/big", size -> {
      asked.add(size);
      return ByteBuffer.allocateDirect(size);
    });
    byte[] back = new byte[got.remaining()];
    got.get(back);
    assertThat(back).isEqualTo(data);
    assertThat(asked).containsOnly(data.length);
    assertThatThrownBy(() -> store.get("a/none", ByteBuffer::allocateDirect))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void putReplacesAnExistingObject() throws Exception {
    store.put("k", bytes("one"));
    store.put("k", bytes("two"));
    assertThat(store.get("k")).isEqualTo(bytes("two"));
  }

  @Test
  void emptyObjectsRoundTrip() throws Exception {
    store.put("empty", new byte[0]);
    assertThat(store.get("empty")).isEmpty();
    assertThat(store.exists("empty")).isTrue();
  }

  @Test
  void largeObjectsRoundTrip() throws Exception {
    byte[] data = random(9 * 1024 * 1024 + 17, 1);
    store.put("chunks/large", data);
    assertThat(store.get("chunks/large")).isEqualTo(data);
  }

  @Test
  void putIfAbsentWritesOnlyTheFirstTime() throws Exception {
    assertThat(store.putIfAbsent("k", bytes("first"))).isTrue();
    assertThat(store.putIfAbsent("k", bytes("second"))).isFalse();
    assertThat(store.get("k")).isEqualTo(bytes("first"));
  }

  @Test
  void concurrentPutIfAbsentHasExactlyOneWinner() throws Exception {
    int writers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Callable<Boolean>> calls = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        byte[] data = bytes("writer-" + i);
        calls.add(() -> store.putIfAbsent("race", data));
      }
      long winners = 0;
      for (Future<Boolean> f : pool.invokeAll(calls)) {
        winners += f.get() ? 1 : 0;
      }
      assertThat(winners).isEqualTo(1);
      assertThat(new String(store.get("race"), StandardCharsets.UTF_8)).startsWith("writer-");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anUnsyncedPutIsReadableAtOnceAndAfterTheBarrier() throws Exception {
    byte[] data = random(300_000, 3);
    assertThat(store.putIfAbsentUnsynced("chunks/ab/unsynced", data)).isTrue();
    assertThat(store.get("chunks/ab/unsynced")).isEqualTo(data);
    assertThat(store.exists("chunks/ab/unsynced")).isTrue();
    assertThat(keys("chunks/")).containsExactly("chunks/ab/unsynced");
    store.sync();
    assertThat(store.get("chunks/ab/unsynced")).isEqualTo(data);
  }

  @Test
  void anUnsyncedPutWritesOnlyTheFirstTime() throws Exception {
    assertThat(store.putIfAbsentUnsynced("k", bytes("first"))).isTrue();
    assertThat(store.putIfAbsentUnsynced("k", bytes("second"))).isFalse();
    assertThat(store.putIfAbsent("k", bytes("third"))).isFalse();
    store.put("p", bytes("durable"));
    assertThat(store.putIfAbsentUnsynced("p", bytes("again"))).isFalse();
    store.sync();
    assertThat(store.get("k")).isEqualTo(bytes("first"));
    assertThat(store.get("p")).isEqualTo(bytes("durable"));
  }

  @Test
  void concurrentUnsyncedPutsHaveExactlyOneWinner() throws Exception {
    int writers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Callable<Boolean>> calls = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        byte[] data = bytes("writer-" + i);
        calls.add(() -> store.putIfAbsentUnsynced("race", data));
      }
      long winners = 0;
      for (Future<Boolean> f : pool.invokeAll(calls)) {
        winners += f.get() ? 1 : 0;
      }
      store.sync();
      assertThat(winners).isEqualTo(1);
      assertThat(new String(store.get("race"), StandardCharsets.UTF_8)).startsWith("writer-");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aBarrierWithNothingWrittenSucceeds() throws Exception {
    store.sync();
    store.put("d", bytes("v"));
    store.sync();
    store.sync();
    assertThat(store.get("d")).isEqualTo(bytes("v"));
  }

  @Test
  void getOfAMissingKeyIsNoSuchFile() {
    assertThatThrownBy(() -> store.get("missing/key"))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("missing/key");
  }

  @Test
  void rangedGetOfAMissingKeyIsNoSuchFile() {
    assertThatThrownBy(() -> store.get("missing", 0, 10)).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void rangedGetReturnsTheRange() throws Exception {
    byte[] data = random(100_000, 2);
    store.put("r", data);
    assertThat(store.get("r", 1000, 5000))
        .isEqualTo(java.util.Arrays.copyOfRange(data, 1000, 6000));
    assertThat(store.get("r", 0, 1)).containsExactly(data[0]);
  }

  @Test
  void rangedGetStopsAtTheEnd() throws Exception {
    store.put("r", bytes("0123456789"));
    assertThat(store.get("r", 7, 100)).isEqualTo(bytes("789"));
    assertThat(store.get("r", 10, 5)).isEmpty();
    assertThat(store.get("r", 50, 5)).isEmpty();
  }

  @Test
  void existsFollowsPutAndDelete() throws Exception {
    assertThat(store.exists("x/y")).isFalse();
    store.put("x/y", bytes("v"));
    assertThat(store.exists("x/y")).isTrue();
    store.delete("x/y");
    assertThat(store.exists("x/y")).isFalse();
  }

  @Test
  void deleteOfAMissingKeyIsNotAnError() throws Exception {
    store.delete("never/written");
    assertThat(store.exists("never/written")).isFalse();
  }

  @Test
  void listReturnsExactlyTheKeysWithThePrefix() throws Exception {
    for (String key : List.of("chunks/aa/1", "chunks/aa/2", "chunks/ab/3", "chunksx", "other/4")) {
      store.put(key, bytes(key));
    }
    assertThat(keys("chunks/aa/")).containsExactlyInAnyOrder("chunks/aa/1", "chunks/aa/2");
    assertThat(keys("chunks/a")).containsExactlyInAnyOrder("chunks/aa/1", "chunks/aa/2", "chunks/ab/3");
    assertThat(keys("chunks")).hasSize(4);
    assertThat(keys("")).hasSize(5);
    assertThat(keys("nothing/")).isEmpty();
  }

  @Test
  void listDoesNotShowDeletedKeys() throws Exception {
    store.put("d/1", bytes("1"));
    store.put("d/2", bytes("2"));
    store.delete("d/1");
    assertThat(keys("d/")).containsExactly("d/2");
  }

  @Test
  void invalidKeysAreRefusedWithTheirName() {
    for (String key : List.of("../escape", "a/../../b", "/absolute", "a//b", "a/./b", "sp ace", "")) {
      assertThatThrownBy(() -> store.put(key, bytes("x")))
          .as("key '%s'", key)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Invalid object key");
    }
  }

  private List<String> keys(String prefix) throws Exception {
    try (Stream<String> keys = store.list(prefix)) {
      return keys.toList();
    }
  }
}
