package dev.tusk.fsd.s3;

import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.DataRef;
import dev.tusk.chunkstore.FileContent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Sends a byte range of a file's content as a response body, a few chunks ahead of the socket.
 * Each chunk is read once into a pooled direct buffer, verified there and handed to Netty as it
 * is, so a byte served costs a read from the page cache, a hash and a socket write: no heap array
 * to allocate and zero, no copy to direct memory, no memory-cache churn for a 1 GiB object.
 */
final class ContentDownload {
  /** Chunk reads in flight per download: ~5 MiB at the usual chunk sizes, 32 MiB at most. */
  private static final int CHUNKS_AHEAD = 8;

  private final ChunkStore chunks;
  private final List<DataRef> refs;
  private final ByteBufAllocator allocator;

  ContentDownload(ChunkStore chunks, FileContent content, ByteBufAllocator allocator) {
    this.chunks = chunks;
    this.refs = content.refs();
    this.allocator = allocator;
  }

  /** Writes bytes {@code [first, first + length)} of the content to {@code exchange}. */
  void send(long first, long length, S3Exchange exchange) throws IOException {
    long end = first + length;
    int next = 0;
    long nextStart = 0; // where refs[next] begins in the file
    while (next < refs.size() && nextStart + refs.get(next).length() <= first) {
      nextStart += refs.get(next++).length();
    }
    ArrayDeque<ChunkRead> ahead = new ArrayDeque<>();
    long position = first;
    try {
      while (position < end) {
        while (ahead.size() < CHUNKS_AHEAD && next < refs.size() && nextStart < end) {
          DataRef ref = refs.get(next++);
          if (ref.length() > 0) {
            ahead.add(new ChunkRead(ref, nextStart));
          }
          nextStart += ref.length();
        }
        ChunkRead read = ahead.poll();
        if (read == null) {
          throw new IOException("The content ended at byte " + position + ", before " + end);
        }
        ByteBuf chunk = read.await();
        try {
          int skip = (int) (position - read.start);
          int n = (int) Math.min(read.ref.length() - skip, end - position);
          exchange.write(chunk.retainedSlice(chunk.readerIndex() + read.ref.offset() + skip, n));
          position += n;
        } finally {
          chunk.release();
        }
      }
    } finally {
      ahead.forEach(ChunkRead::discard);
    }
  }

  /** One chunk on its way in, and the pooled buffer it took, if any, which this read frees. */
  private final class ChunkRead {
    final DataRef ref;
    final long start;
    private final CompletableFuture<ByteBuffer> bytes;
    private volatile ByteBuf pooled;

    ChunkRead(DataRef ref, long start) {
      this.ref = ref;
      this.start = start;
      this.bytes = chunks.readOnce(ref.chunk(), this::allocate);
    }

    private ByteBuffer allocate(int size) {
      ByteBuf previous = pooled; // a retried read asks again
      if (previous != null) {
        previous.release();
      }
      ByteBuf buffer = allocator.directBuffer(size, size);
      pooled = buffer;
      return buffer.nioBuffer(0, size);
    }

    /** The whole chunk, owned by the caller, who releases it. */
    ByteBuf await() throws IOException {
      ByteBuffer data;
      try {
        data = ChunkStore.await(bytes, ref.chunk());
      } catch (IOException e) {
        discard();
        throw e;
      }
      ByteBuf buffer = pooled;
      return buffer == null ? Unpooled.wrappedBuffer(data) : buffer.writerIndex(data.remaining());
    }

    /** Frees the pooled buffer once the read is over, for a read nobody will take. */
    void discard() {
      bytes.whenComplete((data, failure) -> {
        ByteBuf buffer = pooled;
        if (buffer != null) {
          buffer.release();
        }
      });
    }
  }
}
