package dev.tusk.chunkstore;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Turns files into chunks. A file smaller than the minimum chunk size is packed with other small
 * files into a shared chunk; a larger one is cut by the {@link Chunker} into chunks of its own, so
 * identical large content dedups. Chunks upload in parallel while the next ones are cut.
 *
 * <p><b>Content hash</b>: the SHA-256 of the concatenated SHA-256 digests of the chunks the file
 * gets when chunked on its own (none for an empty file). It depends only on the bytes, not on
 * packing, and for a large file costs no extra pass over the data.
 *
 * <p><b>Durability</b>: the {@link FileContent}s become known as chunks are hashed, but are durable
 * only once {@link #flush()} returns; record nothing that points at them before that. Not
 * thread-safe: one writer per thread.
 */
public final class ContentWriter implements AutoCloseable {
  private static final int INITIAL_BUFFER_BYTES = 64 * 1024;
  private static final HexFormat HEX = HexFormat.of();

  private final ChunkStore store;
  private final Chunker chunker;
  /** Grows with the data up to four max-size chunks: a commit of small files stays small. */
  private byte[] buffer = new byte[INITIAL_BUFFER_BYTES];
  private final List<CompletableFuture<?>> unflushed = new ArrayList<>();
  /**
   * The content hashes' SHA-256, reused: a new digest per small file, and chunk ids formatted to hex
   * and parsed back, cost a put of many small files a fifth of its chunking threads' time.
   */
  private final MessageDigest sha = ChunkId.sha256();

  private FileSink current;
  private byte[] pack = new byte[0];
  private int packSize;
  private final List<PendingSmallFile> packed = new ArrayList<>();

  private record PendingSmallFile(CompletableFuture<FileContent> content, String hash, int offset, int length) {}

  ContentWriter(ChunkStore store) {
    this.store = store;
    this.chunker = store.config().chunker();
  }

  /**
   * Reads {@code in} to its end (without closing it) and chunks it. The future completes when every
   * chunk of the file has its id; it fails if a chunk cannot be stored.
   */
  public CompletableFuture<FileContent> write(InputStream in) throws IOException {
    FileSink sink = begin();
    sink.transferFrom(in);
    return sink.finish();
  }

  /**
   * Starts a file whose bytes arrive in pieces, for callers that are pushed data (a network
   * stream). Finish it before beginning the next file.
   */
  public FileSink begin() {
    if (current != null) {
      throw new IllegalStateException("The previous file is not finished");
    }
    current = new FileSink();
    return current;
  }

  /** One file being written: its bytes gather in the writer's buffer and leave as chunks. */
  public final class FileSink {
    private final List<CompletableFuture<ChunkId>> ids = new ArrayList<>();
    private final List<Integer> lengths = new ArrayList<>();
    private int start;
    private int end;

    private FileSink() {}

    /** Appends bytes to the file. */
    public void write(byte[] data, int offset, int length) throws IOException {
      checkCurrent();
      while (length > 0) {
        makeRoom();
        int n = Math.min(length, buffer.length - end);
        System.arraycopy(data, offset, buffer, end, n);
        end += n;
        offset += n;
        length -= n;
        cutFinalChunks();
      }
    }

    /** Appends everything {@code in} holds, reading straight into the chunking buffer. */
    public void transferFrom(InputStream in) throws IOException {
      checkCurrent();
      while (true) {
        makeRoom();
        int read = in.read(buffer, end, buffer.length - end);
        if (read < 0) {
          return;
        }
        end += read;
        cutFinalChunks();
      }
    }

    /** Ends the file; see {@link ContentWriter#write(InputStream)} for the future. */
    public CompletableFuture<FileContent> finish() throws IOException {
      checkCurrent();
      current = null;
      if (ids.isEmpty() && end - start < chunker.minSize()) {
        return packSmall(start, end - start);
      }
      while (end > start) {
        cutChunk();
      }
      return contentOf(ids, lengths);
    }

    /**
     * The content of the bytes appended so far, as if the file ended here (the same
     * hash), while the file stays open for more: its last chunks are cut from a copy, and the
     * bytes after them are later chunked as if this had not been asked. For a file that is saved
     * while it is still being written. Durable, as every chunk, once {@link #flush()} returns.
     */
    public CompletableFuture<FileContent> contentSoFar() throws IOException {
      checkCurrent();
      if (ids.isEmpty() && end - start < chunker.minSize()) {
        return packSmall(start, end - start);
      }
      List<CompletableFuture<ChunkId>> soFarIds = new ArrayList<>(ids);
      List<Integer> soFarLengths = new ArrayList<>(lengths);
      for (int at = start; at < end; ) {
        int cut = chunker.cut(buffer, at, end - at);
        soFarIds.add(track(store.write(Arrays.copyOfRange(buffer, at, at + cut))));
        soFarLengths.add(cut);
        at += cut;
      }
      return contentOf(soFarIds, soFarLengths);
    }

    /** Cuts every chunk whose boundary can no longer move: those with a full max size ahead. */
    private void cutFinalChunks() throws IOException {
      while (end - start >= chunker.maxSize()) {
        cutChunk();
      }
    }

    private void cutChunk() throws IOException {
      int cut = chunker.cut(buffer, start, end - start);
      byte[] chunk = Arrays.copyOfRange(buffer, start, start + cut);
      start += cut;
      lengths.add(cut);
      ids.add(track(store.write(chunk)));
    }

    /**
     * Makes room when the buffer is full: grows it while it is under four max-size chunks, else
     * moves the unchunked tail (under one max chunk) to the front, which copies little.
     */
    private void makeRoom() {
      if (end < buffer.length) {
        return;
      }
      byte[] target = buffer.length < 4 * chunker.maxSize()
          ? new byte[Math.min(2 * buffer.length, 4 * chunker.maxSize())]
          : buffer;
      System.arraycopy(buffer, start, target, 0, end - start);
      buffer = target;
      end -= start;
      start = 0;
    }

    private void checkCurrent() {
      if (current != this) {
        throw new IllegalStateException("This file is already finished");
      }
    }
  }

  /**
   * Seals the current pack of small files and waits until every chunk written so far is durable in
   * the backend: stored, then made durable by one {@link ChunkStore#sync()} barrier for them all.
   */
  public void flush() throws IOException {
    sealPack();
    List<CompletableFuture<?>> waiting = new ArrayList<>(unflushed);
    unflushed.clear();
    try {
      CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while flushing chunks");
    } catch (ExecutionException e) {
      throw ChunkStore.unwrap(e.getCause(), store);
    }
    store.sync();
  }

  /** Same as {@link #flush()}. */
  @Override
  public void close() throws IOException {
    flush();
  }

  private CompletableFuture<FileContent> packSmall(int offset, int length) throws IOException {
    if (length == 0) {
      return CompletableFuture.completedFuture(new FileContent(hashOfDigests(sha), 0, List.of()));
    }
    if (packSize + length > packTarget()) {
      sealPack();
    }
    if (packSize + length > pack.length) {
      int grown = Math.max(2 * pack.length, packSize + length);
      pack = Arrays.copyOf(pack, Math.min(packTarget(), grown));
    }
    System.arraycopy(buffer, offset, pack, packSize, length);
    sha.update(buffer, offset, length);
    String hash = hashOfDigests(sha, sha.digest()); // the file's one chunk: this part of the pack
    CompletableFuture<FileContent> content = new CompletableFuture<>();
    packed.add(new PendingSmallFile(content, hash, packSize, length));
    packSize += length;
    return content;
  }

  private void sealPack() throws IOException {
    if (packSize == 0) {
      return;
    }
    List<PendingSmallFile> files = List.copyOf(packed);
    byte[] sealed = packSize == pack.length ? pack : Arrays.copyOf(pack, packSize);
    pack = new byte[0];
    packSize = 0;
    packed.clear();
    track(store.write(sealed))
        .whenComplete(
            (id, failure) -> {
              for (PendingSmallFile file : files) {
                if (failure != null) {
                  file.content().completeExceptionally(failure);
                } else {
                  DataRef ref = new DataRef(id, file.offset(), file.length());
                  file.content().complete(new FileContent(file.hash(), file.length(), List.of(ref)));
                }
              }
            });
  }

  private int packTarget() {
    return chunker.avgSize() + chunker.minSize();
  }

  private <T> CompletableFuture<T> track(CompletableFuture<T> future) {
    unflushed.add(future);
    return future;
  }

  private static CompletableFuture<FileContent> contentOf(
      List<CompletableFuture<ChunkId>> ids, List<Integer> lengths) {
    long size = 0;
    for (int length : lengths) {
      size += length;
    }
    long fileSize = size;
    return CompletableFuture.allOf(ids.toArray(CompletableFuture[]::new))
        .thenApply(done -> largeFileContent(ids, lengths, fileSize));
  }

  private static FileContent largeFileContent(
      List<CompletableFuture<ChunkId>> ids, List<Integer> lengths, long size) {
    List<DataRef> refs = new ArrayList<>(ids.size());
    List<ChunkId> chunks = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      ChunkId id = ids.get(i).join();
      chunks.add(id);
      refs.add(new DataRef(id, 0, lengths.get(i)));
    }
    return new FileContent(hashOfDigests(chunks), size, refs);
  }

  /** The content hash: SHA-256 over the raw digests of the file's own chunks. */
  static String hashOfDigests(List<ChunkId> chunks) {
    MessageDigest sha = ChunkId.sha256();
    for (ChunkId chunk : chunks) {
      sha.update(chunk.digest());
    }
    return hashOfDigests(sha);
  }

  /** A file's content hash: the SHA-256 of its chunks' digests in order, fed to {@code sha}, in hex. */
  private static String hashOfDigests(MessageDigest sha, byte[]... digests) {
    for (byte[] digest : digests) {
      sha.update(digest);
    }
    return HEX.formatHex(sha.digest());
  }
}
