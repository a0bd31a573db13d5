package dev.tusk.chunkstore;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries the {@link TransientStoreException}s of another store by a {@link RetryPolicy}; every
 * other failure passes straight through. Each operation is idempotent, so a retry is always safe:
 * even a put-if-absent whose first try landed but whose answer was lost merely reports "existed".
 */
final class RetryingObjectStore implements ObjectStore {
  private static final Logger LOG = LoggerFactory.getLogger(RetryingObjectStore.class);

  /** Sleeps between attempts; a seam so that tests need not wait. */
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  private interface Call<T> {
    T run() throws IOException;
  }

  private final ObjectStore delegate;
  private final RetryPolicy policy;
  private final Sleeper sleeper;

  RetryingObjectStore(ObjectStore delegate, RetryPolicy policy) {
    this(delegate, policy, d -> Thread.sleep(d.toMillis()));
  }

  RetryingObjectStore(ObjectStore delegate, RetryPolicy policy, Sleeper sleeper) {
    this.delegate = delegate;
    this.policy = policy;
    this.sleeper = sleeper;
  }

  @Override
  public void put(String key, byte[] data) throws IOException {
    retry("put " + key, () -> {
      delegate.put(key, data);
      return null;
    });
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) throws IOException {
    return retry("put " + key, () -> delegate.putIfAbsent(key, data));
  }

  @Override
  public boolean putIfAbsentUnsynced(String key, byte[] data) throws IOException {
    return retry("put " + key, () -> delegate.putIfAbsentUnsynced(key, data));
  }

  @Override
  public void sync() throws IOException {
    retry("sync", () -> {
      delegate.sync();
      return null;
    });
  }

  @Override
  public byte[] get(String key) throws IOException {
    return retry("get " + key, () -> delegate.get(key));
  }

  @Override
  public ByteBuffer get(String key, IntFunction<ByteBuffer> buffers) throws IOException {
    return retry("get " + key, () -> delegate.get(key, buffers));
  }

  @Override
  public byte[] get(String key, long offset, int length) throws IOException {
    return retry("get " + key, () -> delegate.get(key, offset, length));
  }

  @Override
  public boolean exists(String key) throws IOException {
    return retry("stat " + key, () -> delegate.exists(key));
  }

  @Override
  public void delete(String key) throws IOException {
    retry("delete " + key, () -> {
      delegate.delete(key);
      return null;
    });
  }

  @Override
  public Stream<String> list(String prefix) throws IOException {
    return retry("list " + prefix, () -> delegate.list(prefix));
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }

  @Override
  public String toString() {
    return delegate.toString();
  }

  private <T> T retry(String what, Call<T> call) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.run();
      } catch (TransientStoreException e) {
        if (attempt >= policy.maxAttempts()) {
          throw new IOException(
              "Cannot " + what + " in " + delegate + " after " + attempt + " attempts: "
                  + e.getMessage(), e);
        }
        Duration pause = policy.backoff(attempt);
        LOG.debug("Retrying {} in {} after {} ms: {}", what, delegate, pause.toMillis(), e.toString());
        try {
          sleeper.sleep(pause);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("Interrupted while retrying " + what);
        }
      }
    }
  }
}
