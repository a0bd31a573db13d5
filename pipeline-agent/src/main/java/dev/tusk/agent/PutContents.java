package dev.tusk.agent;

import com.google.protobuf.UnsafeByteOperations;
import dev.tusk.api.v1.FileInfo;
import dev.tusk.api.v1.PutContent;
import dev.tusk.chunkstore.DataRef;
import dev.tusk.chunkstore.FileContent;

/** {@link PutContent} messages for content already in the store: only references travel. */
final class PutContents {
  private PutContents() {}

  /** A file the agent chunked itself. */
  static PutContent of(String path, FileContent content) {
    PutContent.Builder put = PutContent.newBuilder()
        .setPath(path)
        .setHash(content.hash())
        .setSizeBytes(content.size());
    for (DataRef ref : content.refs()) {
      put.addDataBuilder()
          .setChunk(UnsafeByteOperations.unsafeWrap(ref.chunk().digest()))
          .setOffset(ref.offset())
          .setLength(ref.length());
    }
    return put.build();
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
