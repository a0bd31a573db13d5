package dev.tusk.bench;

import dev.tusk.chunkstore.ObjectStore;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * An object store that accepts every put and keeps nothing, so that a {@link
 * dev.tusk.chunkstore.ChunkStore} over it measures chunking and hashing alone.
 */
final class DiscardingObjectStore implements ObjectStore {
  private final LongAdder bytesPut = new LongAdder();

  /** Bytes that were put (and dropped) so far. */
  long bytesPut() {
    return bytesPut.sum();
  }

  @Override
  public void put(String key, byte[] data) {
    bytesPut.add(data.length);
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    bytesPut.add(data.length);
    return true;
  }

  @Override
  public byte[] get(String key) throws IOException {
    throw new NoSuchFileException(key, null, "discarded");
  }

  @Override
  public byte[] get(String key, long offset, int length) throws IOException {
    throw new NoSuchFileException(key, null, "discarded");
  }

  @Override
  public boolean exists(String key) {
    return false;
  }

  @Override
  public void delete(String key) {}

  @Override
  public Stream<String> list(String prefix) {
    return Stream.empty();
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "discard://";
  }
}
