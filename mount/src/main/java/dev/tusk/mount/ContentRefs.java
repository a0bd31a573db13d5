package dev.tusk.mount;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.tusk.api.v1.PutContent;
import dev.tusk.chunkstore.ChunkId;
import dev.tusk.chunkstore.DataRef;
import dev.tusk.chunkstore.FileContent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Content a client chunked into the store itself, as the API's references: for the clients that
 * write chunks directly and send only references (the mount, the pipeline agent, the CLI). Lives
 * here because {@code api} does not depend on {@code chunkstore}.
 */
public final class ContentRefs {
  private ContentRefs() {}

  /** The content's data refs in the API's form. */
  public static List<dev.tusk.api.v1.DataRef> dataRefs(FileContent content) {
    return new Encoder().dataRefs(content);
  }

  /** A put of {@code content} at {@code path} by reference: only the refs travel. */
  public static PutContent putContent(String path, FileContent content) {
    return new Encoder().putContent(path, content);
  }

  /**
   * The same conversions for a batch of contents: each chunk id becomes wire bytes once, as the
   * hundreds of small files packed into one chunk all refer to it. Holds every chunk id it saw, so
   * use one per batch. Not thread-safe.
   */
  public static final class Encoder {
    private final Map<ChunkId, ByteString> wire = new HashMap<>();

    public List<dev.tusk.api.v1.DataRef> dataRefs(FileContent content) {
      List<dev.tusk.api.v1.DataRef> refs = new ArrayList<>(content.refs().size());
      for (DataRef ref : content.refs()) {
        refs.add(dev.tusk.api.v1.DataRef.newBuilder()
            .setChunk(bytes(ref.chunk()))
            .setOffset(ref.offset())
            .setLength(ref.length())
            .build());
      }
      return refs;
    }

    public PutContent putContent(String path, FileContent content) {
      return PutContent.newBuilder()
          .setPath(path)
          .setHash(content.hash())
          .setSizeBytes(content.size())
          .addAllData(dataRefs(content))
          .build();
    }

    private ByteString bytes(ChunkId chunk) {
      return wire.computeIfAbsent(chunk, id -> UnsafeByteOperations.unsafeWrap(id.digest()));
    }
  }
}
