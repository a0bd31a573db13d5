package dev.tusk.chunkstore;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How transient backend failures are retried: up to {@code maxAttempts} tries in all, sleeping a
 * random time between zero and an exponentially growing cap ("full jitter") so that many clients
 * failing together do not retry together.
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

  /** Six attempts, backing off from 50 ms up to 5 s: about 10 s of patience in the worst case. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(6, Duration.ofMillis(50), Duration.ofSeconds(5));

  /** One attempt: failures surface at once. */
  public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO);

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    }
    if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "backoff must satisfy 0 <= initial <= max, got " + initialBackoff + ", " + maxBackoff);
    }
  }

  /** The sleep before retry number {@code retry} (1-based). */
  Duration backoff(int retry) {
    long capMillis = initialBackoff.toMillis() << Math.min(retry - 1, 30);
    capMillis = Math.min(Math.max(capMillis, 0), maxBackoff.toMillis());
    return Duration.ofMillis(capMillis == 0 ? 0 : ThreadLocalRandom.current().nextLong(capMillis + 1));
  }
}
