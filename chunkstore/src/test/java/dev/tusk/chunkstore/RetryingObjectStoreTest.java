package dev.tusk.chunkstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryingObjectStoreTest {
  private final FaultyObjectStore backend = new FaultyObjectStore();
  private final List<Duration> sleeps = new ArrayList<>();
  private final RetryPolicy policy = new RetryPolicy(4, Duration.ofMillis(100), Duration.ofMillis(250));
  private final ObjectStore store = new RetryingObjectStore(backend, policy, sleeps::add);

  @Test
  void transientFailuresAreRetriedUntilTheCallSucceeds() throws IOException {
    backend.transientFailures.set(3);
    store.put("k", new byte[] {1});
    assertThat(store.get("k")).containsExactly(1);
    assertThat(backend.calls.get()).isEqualTo(5);
    assertThat(sleeps).hasSize(3);
  }

  @Test
  void backoffIsJitteredBelowAGrowingCap() {
    for (int retry = 1; retry <= 10; retry++) {
      long cap = Math.min(100L << (retry - 1), 250);
      assertThat(policy.backoff(retry).toMillis()).isBetween(0L, cap);
    }
  }

  @Test
  void givingUpNamesTheOperationAndTheAttempts() {
    backend.transientFailures.set(100);
    assertThatThrownBy(() -> store.get("chunks/ab/x"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("get chunks/ab/x")
        .hasMessageContaining("after 4 attempts")
        .hasMessageContaining("503 Slow Down");
    assertThat(backend.calls.get()).isEqualTo(4);
  }

  @Test
  void permanentFailuresAreNotRetried() {
    backend.permanentFailure = "403 Access Denied";
    assertThatThrownBy(() -> store.put("k", new byte[0])).hasMessageContaining("403 Access Denied");
    assertThat(backend.calls.get()).isEqualTo(1);
    assertThat(sleeps).isEmpty();
  }

  @Test
  void missingKeysAreNotRetried() {
    assertThatThrownBy(() -> store.get("missing")).isInstanceOf(java.nio.file.NoSuchFileException.class);
    assertThat(backend.calls.get()).isEqualTo(1);
  }
}
