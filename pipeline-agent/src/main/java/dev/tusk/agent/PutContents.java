package dev.tusk.agent;

import dev.tusk.api.v1.FileInfo;
import dev.tusk.api.v1.PutContent;
import dev.tusk.chunkstore.FileContent;
import dev.tusk.mount.ContentRefs;

/** {@link PutContent} messages for content already in the store: only references travel. */
final class PutContents {
  private PutContents() {}

  /** A file the agent chunked itself. */
  static PutContent of(String path, FileContent content) {
    return ContentRefs.putContent(path, content);
  }

  /** A file that already lives in a commit (read with its data refs): the same bytes, no copy. */
  static PutContent of(String path, FileInfo stored) {
    return PutContent.newBuilder()
        .setPath(path)
        .setHash(stored.getHash())
        .setSizeBytes(stored.getSizeBytes())
        .addAllData(stored.getDataList())
        .build();
  }
}
