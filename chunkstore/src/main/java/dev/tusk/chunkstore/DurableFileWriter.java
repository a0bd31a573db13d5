package dev.tusk.chunkstore;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes new files whose bytes are durable when {@link #write} returns, with direct I/O
 * ({@code O_DIRECT}) where the filesystem allows it and buffered writes plus fsync elsewhere.
 *
 * <p>Why direct I/O: chunks are written once and read back through the chunk store's own memory
 * cache, so copying them into the page cache first only costs: buffered writes pay for page-cache
 * pages and their writeback before the fsync can return (see chunkstore/README.md for the
 * figures). Direct writes need buffers,
 * offsets and lengths aligned to the filesystem's block size: bytes go through reusable aligned
 * buffers, the last block is padded, and the file is truncated back to its length before the
 * fsync. A filesystem that refuses {@code O_DIRECT}, which a probe write when the writer opens
 * finds out, gets buffered writes. Thread-safe.
 */
final class DurableFileWriter {
  private static final Logger LOG = LoggerFactory.getLogger(DurableFileWriter.class);
  /** Bytes per direct write; a larger file is written in several. */
  private static final int SLICE_BYTES = 1 << 20;
  /** Spare buffers kept for reuse: about one per I/O thread. */
  private static final int POOLED_BUFFERS = 32;

  private final boolean direct;
  private final int alignment;
  private final BlockingQueue<ByteBuffer> buffers = new ArrayBlockingQueue<>(POOLED_BUFFERS);

  /**
   * @param dir the directory the files will be in (or under, on the same filesystem)
   * @param preferDirect whether to use direct I/O if the filesystem allows it
   */
  DurableFileWriter(Path dir, boolean preferDirect) throws IOException {
    // Direct I/O is the kernel's; in-memory test filesystems have only buffered channels.
    boolean tryDirect = preferDirect && dir.getFileSystem() == FileSystems.getDefault();
    this.alignment = tryDirect ? (int) Math.max(512, Files.getFileStore(dir).getBlockSize()) : 1;
    this.direct = tryDirect && acceptsDirectIo(dir);
  }

  /** Whether writes use direct I/O. */
  boolean direct() {
    return direct;
  }

  /** Creates {@code file}, which must not exist, holding {@code data}: durable on return. */
  void write(Path file, byte[] data) throws IOException {
    if (direct) {
      writeDirect(file, data);
    } else {
      writeBuffered(file, data);
    }
  }

  private void writeDirect(Path file, byte[] data) throws IOException {
    ByteBuffer buffer = takeBuffer();
    boolean created = false;
    try (FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
      created = true;
      for (int offset = 0; offset < data.length; offset += SLICE_BYTES) {
        int length = Math.min(SLICE_BYTES, data.length - offset);
        buffer.clear();
        buffer.put(data, offset, length);
        // The padding's contents do not matter: the truncate below cuts them off.
        buffer.position(0).limit(roundUp(length));
        while (buffer.hasRemaining()) {
          channel.write(buffer, offset + buffer.position());
        }
      }
      if (roundUp(data.length) != data.length) {
        channel.truncate(data.length);
      }
      channel.force(false);
    } catch (IOException | RuntimeException e) {
      if (created) {
        Files.deleteIfExists(file);
      }
      throw e;
    } finally {
      buffers.offer(buffer);
    }
  }

  private static void writeBuffered(Path file, byte[] data) throws IOException {
    boolean created = false;
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      created = true;
      ByteBuffer buffer = ByteBuffer.wrap(data);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(false);
    } catch (IOException e) {
      if (created) {
        Files.deleteIfExists(file);
      }
      throw e;
    }
  }

  /** Whether a direct write of one block works in {@code dir}: tmpfs and some network filesystems refuse. */
  private boolean acceptsDirectIo(Path dir) throws IOException {
    Path probe = dir.resolve("direct-io-probe" + LocalObjectStore.TEMP_MARK + UUID.randomUUID());
    try {
      writeDirect(probe, new byte[alignment]);
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      LOG.info("{} refuses direct I/O ({}); writing through the page cache", dir, e.toString());
      return false;
    } finally {
      Files.deleteIfExists(probe);
    }
  }

  private ByteBuffer takeBuffer() {
    ByteBuffer buffer = buffers.poll();
    return buffer != null
        ? buffer
        : ByteBuffer.allocateDirect(SLICE_BYTES + alignment).alignedSlice(alignment);
  }

  private int roundUp(int length) {
    return (length + alignment - 1) / alignment * alignment;
  }
}
