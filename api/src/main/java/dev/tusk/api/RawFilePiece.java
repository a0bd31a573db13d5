package dev.tusk.api;

import io.grpc.Detachable;
import io.grpc.HasByteBuffer;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * One {@code GetFileResponse} left in the transport's own buffers instead of parsed into a {@code
 * ByteString}: {@link #writeTo} hands its {@code data} to a channel straight from them (with Netty,
 * direct buffers: no copy on the Java heap at all). Parsing a 1 MiB message the usual way copies it
 * twice into fresh arrays, which costs a reader more CPU than everything else it does.
 *
 * <p>Holds transport memory until closed; close every piece.
 */
final class RawFilePiece implements AutoCloseable {
  /** {@code GetFileResponse.data}: field 1, length-delimited. */
  private static final int DATA_TAG = (1 << 3) | 2;
  private static final int COPY_BUFFER_BYTES = 64 << 10;

  private final InputStream in;

  private RawFilePiece(InputStream in) {
    this.in = in;
  }

  /** The response marshaller of GetFile for this type; requests are marshalled as usual. */
  static MethodDescriptor.Marshaller<RawFilePiece> marshaller() {
    return new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(RawFilePiece value) {
        throw new UnsupportedOperationException("A client only parses file pieces");
      }

      @Override
      public RawFilePiece parse(InputStream stream) {
        if (stream instanceof Detachable detachable
            && stream instanceof HasByteBuffer buffers
            && buffers.byteBufferSupported()) {
          return new RawFilePiece(detachable.detach());
        }
        try {
          // Another transport (in-process): one copy, as the generated parser would make.
          return new RawFilePiece(new ByteArrayInputStream(stream.readAllBytes()));
        } catch (IOException e) {
          throw Status.INTERNAL.withDescription("Cannot read a GetFile response").withCause(e)
              .asRuntimeException();
        }
      }
    };
  }

  /** Writes the piece's file bytes to {@code out}; returns how many. */
  long writeTo(WritableByteChannel out) throws IOException {
    long written = 0;
    boolean seenData = false;
    int tag;
    while ((tag = readVarint32(true)) >= 0) {
      switch (tag & 7) {
        case 0 -> readVarint64();
        case 1 -> skip(8);
        case 5 -> skip(4);
        case 2 -> {
          int length = readVarint32(false);
          if (tag == DATA_TAG) {
            if (seenData) {
              throw new IOException("Malformed GetFile response: data twice");
            }
            seenData = true;
            copy(length, out);
            written = length;
          } else {
            skip(length);
          }
        }
        default -> throw new IOException("Malformed GetFile response: wire type " + (tag & 7));
      }
    }
    return written;
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void copy(int length, WritableByteChannel out) throws IOException {
    int left = length;
    if (in instanceof HasByteBuffer buffers && buffers.byteBufferSupported()) {
      while (left > 0) {
        ByteBuffer buffer = buffers.getByteBuffer();
        if (buffer == null) {
          throw new IOException("Truncated GetFile response");
        }
        int n = Math.min(left, buffer.remaining());
        buffer.limit(buffer.position() + n);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        skip(n);
        left -= n;
      }
      return;
    }
    byte[] copy = new byte[Math.min(length, COPY_BUFFER_BYTES)];
    while (left > 0) {
      int n = in.read(copy, 0, Math.min(left, copy.length));
      if (n < 0) {
        throw new IOException("Truncated GetFile response");
      }
      ByteBuffer buffer = ByteBuffer.wrap(copy, 0, n);
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
      left -= n;
    }
  }

  private void skip(long n) throws IOException {
    long left = n;
    while (left > 0) {
      long skipped = in.skip(left);
      if (skipped <= 0) {
        if (in.read() < 0) {
          throw new IOException("Truncated GetFile response");
        }
        skipped = 1;
      }
      left -= skipped;
    }
  }

  /** A varint of up to 32 bits; -1 at a clean end of the message when {@code endOk}. */
  private int readVarint32(boolean endOk) throws IOException {
    long value = readVarint(endOk);
    if (value > Integer.MAX_VALUE) {
      throw new IOException("Malformed GetFile response: varint out of range");
    }
    return (int) value;
  }

  private void readVarint64() throws IOException {
    readVarint(false);
  }

  private long readVarint(boolean endOk) throws IOException {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = in.read();
      if (b < 0) {
        if (endOk && shift == 0) {
          return -1;
        }
        throw new IOException("Truncated GetFile response");
      }
      value |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new IOException("Malformed GetFile response: varint too long");
  }
}
