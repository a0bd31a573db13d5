package dev.tusk.cli;

import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.DataRef;
import dev.tusk.chunkstore.FileContent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes a file's content from a chunk store in order, with the next chunks read (and verified by
 * the store) ahead on threads of its own. It holds the chunks read ahead itself, so the store's
 * memory cache can stay small: through a cache, a chunk read ahead could be evicted before its turn
 * (a 1 GiB get read 16% of its chunks twice), and every chunk the cache kept alive was copied at
 * each young collection of the client's serial GC.
 */
final class ChunkReads {
  /** Chunks in flight: 8 keep both cores verifying a local store's chunks. */
  static final int AHEAD = 8;

  private ChunkReads() {}

  /** Writes all of {@code content} to {@code out}. */
  static void copy(ChunkStore store, FileContent content, WritableByteChannel out) throws IOException {
    AtomicInteger count = new AtomicInteger();
    ExecutorService readers = Executors.newFixedThreadPool(AHEAD, runnable -> {
      Thread thread = new Thread(runnable, "tusk-get-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    try {
      List<DataRef> refs = content.refs();
      ArrayDeque<Future<byte[]>> ahead = new ArrayDeque<>(AHEAD);
      int next = 0;
      for (DataRef ref : refs) {
        while (next < refs.size() && ahead.size() < AHEAD) {
          DataRef wanted = refs.get(next++);
          ahead.add(readers.submit(() -> store.read(wanted.chunk())));
        }
        byte[] chunk = Await.result(ahead.poll(), "a chunk");
        ByteBuffer piece = ByteBuffer.wrap(chunk, ref.offset(), ref.length());
        while (piece.hasRemaining()) {
          out.write(piece);
        }
      }
    } finally {
      readers.shutdownNow();
    }
  }
}
