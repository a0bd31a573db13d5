package dev.tusk.mount;

import com.google.protobuf.UnsafeByteOperations;
import dev.tusk.api.v1.PutContent;
import dev.tusk.chunkstore.DataRef;
import dev.tusk.chunkstore.FileContent;
import java.util.ArrayList;
import java.util.List;

/**
 * Content a client chunked into the store itself, as the API's references: for the clients that
 * write chunks directly and send only references (the mount, the pipeline agent, the CLI). Lives
 * here because {@code api} does not depend on {@code chunkstore}.
 */
public final class ContentRefs {
  private ContentRefs() {}

  /** The content's data refs in the API's form. */
  public static List<dev.tusk.api.v1.DataRef> dataRefs(FileContent content) {
    List<dev.tusk.api.v1.DataRef> refs = new ArrayList<>(content.refs().size());
    for (DataRef ref : content.refs()) {
      refs.add(dev.tusk.api.v1.DataRef.newBuilder()
          .setChunk(UnsafeByteOperations.unsafeWrap(ref.chunk().digest()))
          .setOffset(ref.offset())
          .setLength(ref.length())
          .build());
    }
    return refs;
  }

  /** A put of {@code content} at {@code path} by reference: only the refs travel. */
  public static PutContent putContent(String path, FileContent content) {
    return PutContent.newBuilder()
        .setPath(path)
        .setHash(content.hash())
        .setSizeBytes(content.size())
        .addAllData(dataRefs(content))
        .build();
  }
}
