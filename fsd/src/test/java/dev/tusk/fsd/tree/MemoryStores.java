package dev.tusk.fsd.tree;

import dev.tusk.chunkstore.ObjectStores;
import java.io.IOException;

/** Fresh in-memory object stores, counted. */
final class MemoryStores {
  private MemoryStores() {}

  static CountingObjectStore open() throws IOException {
    // "mem:/" rather than "mem://": java.net.URI rejects "//" without an authority.
    return new CountingObjectStore(ObjectStores.open("mem:/"));
  }
}
