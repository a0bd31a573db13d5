package dev.tusk.chunkstore;

import java.io.IOException;

/** The bytes stored under a chunk id do not hash to that id; they are never served. */
public class ChunkIntegrityException extends IOException {
  private static final long serialVersionUID = 1L;

  private final ChunkId chunk;

  public ChunkIntegrityException(ChunkId chunk, String where, ChunkId actual) {
    super("Chunk " + chunk + " read from " + where + " is corrupt: its bytes hash to " + actual);
    this.chunk = chunk;
  }

  public ChunkId chunk() {
    return chunk;
  }
}
