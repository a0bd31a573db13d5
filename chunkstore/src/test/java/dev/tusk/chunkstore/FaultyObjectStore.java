package dev.tusk.chunkstore;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * An in-memory store that fails on demand: the next N calls transiently, or every call for good;
 * it records the order of unsynced puts and barriers, and which keys were read.
 */
final class FaultyObjectStore implements ObjectStore {
  final InMemoryObjectStore delegate = new InMemoryObjectStore();
  final AtomicInteger transientFailures = new AtomicInteger();
  final AtomicInteger calls = new AtomicInteger();
  volatile String permanentFailure;
  volatile String syncFailure;
  /** "put KEY" for each unsynced put and "sync" for each barrier, in order. */
  final List<String> events = new CopyOnWriteArrayList<>();
  /** Every key read whole. */
  final Set<String> fetched = ConcurrentHashMap.newKeySet();

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
  public boolean putIfAbsentUnsynced(String key, byte[] data) throws IOException {
    maybeFail(key);
    events.add("put " + key);
    return delegate.putIfAbsentUnsynced(key, data);
  }

  @Override
  public void sync() throws IOException {
    if (syncFailure != null) {
      throw new IOException(syncFailure);
    }
    events.add("sync");
  }

  @Override
  public byte[] get(String key) throws IOException {
    maybeFail(key);
    fetched.add(key);
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
