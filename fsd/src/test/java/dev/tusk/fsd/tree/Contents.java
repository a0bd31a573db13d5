package dev.tusk.fsd.tree;

import dev.tusk.chunkstore.ChunkId;
import dev.tusk.chunkstore.DataRef;
import dev.tusk.chunkstore.FileContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Made-up file contents: a content hash derived from a seed, bytes packed wherever asked. */
final class Contents {
  private Contents() {}

  /** {@code size} bytes whose content hash is determined by {@code seed}, in one packed chunk. */
  static FileContent of(String seed, int size) {
    return packed(seed, size, "pack-" + seed, 0);
  }

  static FileContent of(String seed) {
    return of(seed, 100 + Math.floorMod(seed.hashCode(), 1000));
  }

  /**
   * The same content as {@link #of(String, int)}, stored at {@code offset} of chunk {@code pack}.
   */
  static FileContent packed(String seed, int size, String pack, int offset) {
    return new FileContent(hash(seed), size, List.of(new DataRef(chunk(pack), offset, size)));
  }

  /** A large file of {@code refs} chunks of 1000 bytes. */
  static FileContent large(String seed, int refs) {
    List<DataRef> list = new ArrayList<>();
    for (int i = 0; i < refs; i++) {
      list.add(new DataRef(chunk(seed + "-" + i), 0, 1000));
    }
    return new FileContent(hash(seed), 1000L * refs, list);
  }

  static String hash(String seed) {
    return chunk("content-" + seed).hex();
  }

  static ChunkId chunk(String seed) {
    return ChunkId.of(seed.getBytes(StandardCharsets.UTF_8));
  }
}
