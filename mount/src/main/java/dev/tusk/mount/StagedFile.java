package dev.tusk.mount;

import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ContentWriter;
import dev.tusk.chunkstore.FileContent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import jnr.ffi.Pointer;

/**
 * A file being written through the mount, visible through the mount at once. A new file written
 * front to back, as {@code cp} and most programs write, is chunked straight into the store as its
 * bytes come, with nothing staged locally, so that closing it only sends their references to the
 * daemon. Any other change (a write elsewhere, a truncation, a read of the file while it is
 * written) first copies the bytes so far into a local temporary file, which then holds the file
 * until it is uploaded whole. Thread-safe.
 *
 * <p>Where the bytes are is one of three states: in the chunk stream ({@code stream != null}), in
 * the store as {@code stored} content (after a streamed upload, or a committed file opened for
 * writing and not changed yet), or in the temporary file.
 */
final class StagedFile {
  private static final int COPY_BUFFER_BYTES = 1 << 20;

  private final Path temp;
  private final FileChannel channel;
  private final ChunkStore chunks;
  private volatile FusePath path;
  private int handles;
  private boolean dirty;
  private boolean deleted;
  /** Chunks the bytes written so far, while every write has appended; else null. */
  private ContentWriter streamWriter;
  private ContentWriter.FileSink stream;
  private long streamed;
  /** The bytes, as content in the store, when a streamed upload left them only there; else null. */
  private FileContent stored;
  /** Why the bytes were lost (a streamed chunk that could not be stored); every later call fails. */
  private IOException failure;

  private StagedFile(FusePath path, Path temp, ChunkStore chunks) throws IOException {
    this.path = path;
    this.temp = temp;
    this.chunks = chunks;
    this.channel = FileChannel.open(temp, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  /**
   * A new staged file in {@code dir} holding {@code initial}, the file's committed content, which is
   * copied only when a change needs it (an open for writing is often followed by a truncation to
   * nothing, as {@code dd} and a shell's {@code >} do); an empty one (null) chunks its writes into
   * {@code chunks} as they come.
   */
  static StagedFile create(FusePath path, Path dir, FileContent initial, ChunkStore chunks) throws IOException {
    Path temp = Files.createTempFile(dir, "staged-", "");
    try {
      StagedFile staged = new StagedFile(path, temp, chunks);
      if (initial != null) {
        staged.stored = initial;
      } else {
        staged.dirty = true;
        staged.streamWriter = chunks.newWriter();
        staged.stream = staged.streamWriter.begin();
      }
      return staged;
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  FusePath path() {
    return path;
  }

  void moveTo(FusePath newPath) {
    path = newPath;
  }

  synchronized void opened() {
    handles++;
  }

  /** One handle fewer; true when it was the last. */
  synchronized boolean released() {
    return --handles == 0;
  }

  synchronized long size() throws IOException {
    checkIntact();
    if (stream != null) {
      return streamed;
    }
    return stored != null ? stored.size() : channel.size();
  }

  synchronized int read(Pointer buffer, int size, long offset) throws IOException {
    toTempFile();
    ByteBuffer into = ByteBuffer.allocate(size);
    int total = 0;
    while (into.hasRemaining()) {
      int n = channel.read(into, offset + total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    buffer.put(0, into.array(), 0, total);
    return total;
  }

  synchronized int write(Pointer buffer, int size, long offset) throws IOException {
    checkIntact();
    dirty = true;
    if (stream != null && offset == streamed) {
      stream.transferFrom(new PointerInput(buffer, size));
      streamed += size;
      return size;
    }
    toTempFile();
    byte[] bytes = new byte[size];
    buffer.get(0, bytes, 0, size);
    ByteBuffer from = ByteBuffer.wrap(bytes);
    while (from.hasRemaining()) {
      channel.write(from, offset + from.position());
    }
    return size;
  }

  synchronized void truncate(long size) throws IOException {
    dirty = true;
    if (size == size()) {
      return;
    }
    if (size == 0) {
      // Empty again (an O_TRUNC open): stream afresh; chunks streamed so far stay unreferenced.
      stored = null;
      channel.truncate(0);
      streamWriter = chunks.newWriter();
      stream = streamWriter.begin();
      streamed = 0;
      return;
    }
    toTempFile();
    long current = channel.size();
    if (size < current) {
      channel.truncate(size);
    } else {
      channel.write(ByteBuffer.allocate(1), size - 1); // a sparse extension, zeros as POSIX says
    }
  }

  /** Whether there are changes not yet uploaded; clears the mark, as the caller uploads them. */
  synchronized boolean takeDirty() {
    boolean was = dirty && !deleted;
    dirty = false;
    return was;
  }

  synchronized void markDirty() {
    dirty = true;
  }

  synchronized void delete() {
    deleted = true;
  }

  /**
   * The content of the whole file as durable chunks, when it was written front to back; else null,
   * and the caller uploads {@link #content()}. A file still streamed goes on streaming: programs
   * flush files they go on writing (a shell's {@code >} and {@code dd} flush an empty file when
   * they close the descriptor they duplicated).
   */
  synchronized FileContent streamedContent() throws IOException {
    checkIntact();
    if (stream != null) {
      return durable(stream.contentSoFar());
    }
    return stored;
  }

  /** The bytes as they are now, for an upload; only when {@link #streamedContent()} gave null. */
  synchronized InputStream content() throws IOException {
    toTempFile();
    return Files.newInputStream(temp);
  }

  void discard() throws IOException {
    channel.close();
    Files.deleteIfExists(temp);
  }

  /** Moves the bytes into the temporary file, from the stream or the store, if they are not there. */
  private void toTempFile() throws IOException {
    checkIntact();
    FileContent content = stream != null ? endStream() : stored;
    if (content == null) {
      return;
    }
    channel.truncate(0);
    try (InputStream in = chunks.reader(content).stream()) {
      byte[] piece = new byte[COPY_BUFFER_BYTES];
      long at = 0;
      for (int n; (n = in.read(piece)) > 0; ) {
        ByteBuffer from = ByteBuffer.wrap(piece, 0, n);
        while (from.hasRemaining()) {
          at += channel.write(from, at);
        }
      }
    }
    stored = null;
  }

  /** Ends the stream: the bytes so far as durable content. On failure they are lost, and said so. */
  private FileContent endStream() throws IOException {
    CompletableFuture<FileContent> content = stream.finish();
    stream = null;
    try {
      return durable(content);
    } finally {
      streamWriter = null;
    }
  }

  /** Waits until the stream's chunks so far are durable, then for {@code content}; see endStream. */
  private FileContent durable(CompletableFuture<FileContent> content) throws IOException {
    try {
      streamWriter.flush(); // seals a small file's pack chunk, which completes its content
      return content.join();
    } catch (IOException | RuntimeException e) {
      failure = e instanceof IOException io ? io
          : e instanceof CompletionException && e.getCause() instanceof UncheckedIOException u ? u.getCause()
          : new IOException(e.getMessage(), e);
      throw failure;
    }
  }

  private void checkIntact() throws IOException {
    if (failure != null) {
      throw new IOException("The bytes written to " + path.fusePath() + " could not be stored", failure);
    }
  }
}
