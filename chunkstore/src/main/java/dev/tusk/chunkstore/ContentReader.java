package dev.tusk.chunkstore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads one file's content at any offset, from any number of threads. When reads arrive in order it
 * prefetches the next chunks in parallel, so a sequential reader rarely waits for the backend.
 */
public final class ContentReader {
  private final ChunkStore store;
  private final FileContent content;
  /** starts[i] is the file offset where refs[i] begins; one extra entry holds the size. */
  private final long[] starts;
  /**
   * How far a read may start from where the last one ended and still count as sequential: the
   * kernel's read-ahead sends a sequential reader's requests on several threads, slightly out of
   * order.
   */
  private static final long SEQUENTIAL_SLACK = 4 << 20;

  /** Where the last read ended (a read from the start counts as sequential); races cost a prefetch. */
  private volatile long lastEnd;
  private volatile int prefetchedUpTo;

  ContentReader(ChunkStore store, FileContent content) {
    this.store = store;
    this.content = content;
    this.starts = new long[content.refs().size() + 1];
    for (int i = 0; i < content.refs().size(); i++) {
      starts[i + 1] = starts[i] + content.refs().get(i).length();
    }
  }

  public long size() {
    return content.size();
  }

  /**
   * Copies up to {@code length} bytes at {@code position} into {@code into}; returns how many, which
   * is fewer only at the end of the file ({@code -1} at or past it, like a channel).
   */
  public int read(long position, byte[] into, int offset, int length) throws IOException {
    if (position < 0 || offset < 0 || length < 0 || offset + length > into.length) {
      throw new IndexOutOfBoundsException(
          "position " + position + ", offset " + offset + ", length " + length);
    }
    if (position >= content.size()) {
      return -1;
    }
    int ref = refAt(position);
    if (isSequential(position)) {
      readAhead(ref);
    }
    int copied = 0;
    while (copied < length && ref < content.refs().size()) {
      DataRef piece = content.refs().get(ref);
      int within = (int) (position + copied - starts[ref]);
      int n = Math.min(length - copied, piece.length() - within);
      byte[] chunk = store.read(piece.chunk());
      System.arraycopy(chunk, piece.offset() + within, into, offset + copied, n);
      copied += n;
      if (within + n == piece.length()) {
        ref++;
      }
    }
    lastEnd = position + copied;
    return copied;
  }

  /**
   * Up to {@code maxLength} bytes at {@code position} without copying them: a view of the one
   * verified chunk that holds them (so possibly fewer than asked for, also before the end), empty
   * at or past the end. The array behind the view is shared with the chunk cache: never change it.
   */
  public ByteBuffer slice(long position, int maxLength) throws IOException {
    if (position < 0 || maxLength < 0) {
      throw new IndexOutOfBoundsException("position " + position + ", length " + maxLength);
    }
    if (position >= content.size() || maxLength == 0) {
      return ByteBuffer.allocate(0);
    }
    int ref = refAt(position);
    if (isSequential(position)) {
      readAhead(ref);
    }
    DataRef piece = content.refs().get(ref);
    int within = (int) (position - starts[ref]);
    int n = Math.min(maxLength, piece.length() - within);
    byte[] chunk = store.read(piece.chunk());
    lastEnd = position + n;
    return ByteBuffer.wrap(chunk, piece.offset() + within, n).slice();
  }

  private boolean isSequential(long position) {
    return Math.abs(position - lastEnd) <= SEQUENTIAL_SLACK;
  }

  /** The content as a stream from its start, reading ahead. */
  public InputStream stream() {
    return new InputStream() {
      private long position;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        int n = ContentReader.this.read(position, b, off, len);
        if (n > 0) {
          position += n;
        }
        return n;
      }

      @Override
      public long skip(long n) {
        long skipped = Math.max(0, Math.min(n, content.size() - position));
        position += skipped;
        return skipped;
      }
    };
  }

  private int refAt(long position) {
    int i = Arrays.binarySearch(starts, position);
    // An exact hit on starts[i] means ref i begins here (skipping empty refs); else the insertion
    // point minus one is the ref that spans position.
    if (i >= 0) {
      while (i + 1 < starts.length - 1 && starts[i + 1] == position) {
        i++;
      }
      return i;
    }
    return -i - 2;
  }

  private void readAhead(int ref) {
    int from = Math.max(ref + 1, prefetchedUpTo);
    int to = Math.min(content.refs().size(), ref + 1 + store.config().readAheadChunks());
    if (from >= to) {
      return;
    }
    prefetchedUpTo = to;
    List<ChunkId> ids = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      ids.add(content.refs().get(i).chunk());
    }
    store.prefetch(ids);
  }
}
