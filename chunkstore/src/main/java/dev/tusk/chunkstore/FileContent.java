package dev.tusk.chunkstore;

import java.util.List;

/**
 * A file's bytes as stored: the concatenation of its data refs, {@code size} bytes in all, with a
 * content hash that depends only on the bytes (see {@link ContentWriter} for its definition), never
 * on how they were packed into chunks.
 */
public record FileContent(String hash, long size, List<DataRef> refs) {
  public FileContent {
    refs = List.copyOf(refs);
    new ChunkId(hash); // same shape: 64 lowercase hex digits
    long total = 0;
    for (DataRef ref : refs) {
      total += ref.length();
    }
    if (total != size) {
      throw new IllegalArgumentException("Data refs hold " + total + " bytes, not " + size);
    }
  }
}
