package dev.tusk.chunkstore;

import java.net.URI;

/** {@code mem://}: a new, empty in-memory store on every open. */
public final class InMemoryObjectStoreFactory implements ObjectStoreFactory {
  @Override
  public String scheme() {
    return "mem";
  }

  @Override
  public ObjectStore create(URI url) {
    return new InMemoryObjectStore();
  }
}
