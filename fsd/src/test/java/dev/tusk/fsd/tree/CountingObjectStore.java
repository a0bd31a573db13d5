package dev.tusk.fsd.tree;

import dev.tusk.chunkstore.ObjectStore;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Counts what goes through to a real store: reads, objects created, bytes of objects created, and
 * objects written unsynced that no barrier has covered yet.
 */
final class CountingObjectStore implements ObjectStore {
  final AtomicLong gets = new AtomicLong();
  final AtomicLong created = new AtomicLong();
  final AtomicLong createdBytes = new AtomicLong();
  final AtomicLong unsyncedSinceBarrier = new AtomicLong();
  final AtomicLong barriers = new AtomicLong();
  private final ObjectStore delegate;

  CountingObjectStore(ObjectStore delegate) {
    this.delegate = delegate;
  }

  void reset() {
    gets.set(0);
    created.set(0);
    createdBytes.set(0);
  }

  @Override
  public void put(String key, byte[] data) throws IOException {
    delegate.put(key, data);
    created.incrementAndGet();
    createdBytes.addAndGet(data.length);
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) throws IOException {
    boolean isNew = delegate.putIfAbsent(key, data);
    if (isNew) {
      created.incrementAndGet();
      createdBytes.addAndGet(data.length);
    }
    return isNew;
  }

  @Override
  public boolean putIfAbsentUnsynced(String key, byte[] data) throws IOException {
    boolean isNew = putIfAbsent(key, data);
    unsyncedSinceBarrier.incrementAndGet();
    return isNew;
  }

  @Override
  public void sync() throws IOException {
    delegate.sync();
    unsyncedSinceBarrier.set(0);
    barriers.incrementAndGet();
  }

  @Override
  public byte[] get(String key) throws IOException {
    gets.incrementAndGet();
    return delegate.get(key);
  }

  @Override
  public byte[] get(String key, long offset, int length) throws IOException {
    gets.incrementAndGet();
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
  public void close() throws IOException {
    delegate.close();
  }
}
