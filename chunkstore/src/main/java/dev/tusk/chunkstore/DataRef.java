package dev.tusk.chunkstore;

/** {@code length} bytes at {@code offset} in a chunk: one piece of a file's content. */
public record DataRef(ChunkId chunk, int offset, int length) {
  public DataRef {
    if (chunk == null || offset < 0 || length < 0) {
      throw new IllegalArgumentException(
          "Invalid data ref " + chunk + " offset " + offset + " length " + length);
    }
  }
}
