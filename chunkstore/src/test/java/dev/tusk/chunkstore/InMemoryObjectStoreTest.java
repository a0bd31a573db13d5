package dev.tusk.chunkstore;

class InMemoryObjectStoreTest extends AbstractObjectStoreTest {
  @Override
  protected ObjectStore newStore() {
    return new InMemoryObjectStore();
  }
}
