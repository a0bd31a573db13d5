package dev.tusk.chunkstore;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** An in-memory store that fails on demand: the next N calls transiently, or every call for good. */
final class FaultyObjectStore implements ObjectStore {
  final InMemoryObjectStore delegate = new InMemoryObjectStore();
  final AtomicInteger transientFailures = new AtomicInteger();
  final AtomicInteger calls = new AtomicInteger();
  volatile String permanentFailure;

  private void maybeFail(String key) throws IOException {
    calls.incrementAndGet();
    if (permanentFailure != null) {
      throw new IOException(permanentFailure + " (" + key + ")");
    }
    if (transientFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new TransientStoreException("503 Slow Down (" + key + ")", null);
    }
  }

  @Override
  public void put(String key, byte[] data) throws IOException {
    maybeFail(key);
    delegate.put(key, data);
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) throws IOException {
    maybeFail(key);
    return delegate.putIfAbsent(key, data);
  }

  @Override
  public byte[] get(String key) throws IOException {
    maybeFail(key);
    return delegate.get(key);
  }

  @Override
  public byte[] get(String key, long offset, int length) throws IOException {
    maybeFail(key);
    return delegate.get(key, offset, length);
  }

  @Override
  public boolean exists(String key) throws IOException {
    maybeFail(key);
    return delegate.exists(key);
  }

  @Override
  public void delete(String key) throws IOException {
    maybeFail(key);
    delegate.delete(key);
  }

  @Override
  public Stream<String> list(String prefix) throws IOException {
    maybeFail(prefix);
    return delegate.list(prefix);
  }

  @Override
  public void close() {}
}
