package dev.tusk.fsd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class JobUpdatesTest {
  private final JobUpdates updates = new JobUpdates();

  @Test
  void aWaiterIsWokenByTheNextStoredUpdate() throws Exception {
    long seen = updates.seen();
    CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> {
      try {
        updates.awaitAfter(seen, TimeUnit.MINUTES.toNanos(5));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    updates.stored();
    waiter.get(1, TimeUnit.MINUTES); // long before its own five minutes
    assertThat(updates.seen()).isEqualTo(seen + 1);
  }

  @Test
  void anUpdateStoredBeforeTheWaitIsNotMissed() throws Exception {
    long seen = updates.seen();
    updates.stored();
    CompletableFuture.runAsync(() -> {
      try {
        updates.awaitAfter(seen, TimeUnit.MINUTES.toNanos(5));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }).get(1, TimeUnit.MINUTES);
  }

  @Test
  void withNoUpdateTheWaitEndsAtItsBound() throws Exception {
    updates.awaitAfter(updates.seen(), TimeUnit.MILLISECONDS.toNanos(20));
    assertThat(updates.seen()).isZero();
  }
}
