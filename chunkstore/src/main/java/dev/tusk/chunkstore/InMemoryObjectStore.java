package dev.tusk.chunkstore;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;

/** Objects in a map, for tests and throwaway repos ({@code mem://}). Copies on the way in and out. */
final class InMemoryObjectStore implements ObjectStore {
  private final ConcurrentSkipListMap<String, byte[]> objects = new ConcurrentSkipListMap<>();

  @Override
  public void put(String key, byte[] data) {
    objects.put(ObjectKeys.check(key), data.clone());
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    return objects.putIfAbsent(ObjectKeys.check(key), data.clone()) == null;
  }

  @Override
  public byte[] get(String key) throws IOException {
    return lookup(key).clone();
  }

  @Override
  public byte[] get(String key, long offset, int length) throws IOException {
    byte[] data = lookup(key);
    int from = (int) Math.min(offset, data.length);
    return Arrays.copyOfRange(data, from, (int) Math.min((long) from + length, data.length));
  }

  @Override
  public boolean exists(String key) {
    return objects.containsKey(ObjectKeys.check(key));
  }

  @Override
  public void delete(String key) {
    objects.remove(ObjectKeys.check(key));
  }

  @Override
  public Stream<String> list(String prefix) {
    ObjectKeys.checkPrefix(prefix);
    List<String> keys =
        objects.tailMap(prefix).keySet().stream().takeWhile(k -> k.startsWith(prefix)).toList();
    return keys.stream();
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "mem://";
  }

  private byte[] lookup(String key) throws IOException {
    byte[] data = objects.get(ObjectKeys.check(key));
    if (data == null) {
      throw new NoSuchFileException(key, null, "no such object in " + this);
    }
    return data;
  }
}
