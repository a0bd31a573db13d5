package dev.tusk.mount;

import java.io.InputStream;
import jnr.ffi.Pointer;

/**
 * The {@code size} bytes at a native pointer (a FUSE write's buffer) as a stream, so that a reader
 * copies them straight into its own array: one copy, no array of its own per write.
 */
final class PointerInput extends InputStream {
  private final Pointer buffer;
  private final int size;
  private int at;

  PointerInput(Pointer buffer, int size) {
    this.buffer = buffer;
    this.size = size;
  }

  @Override
  public int read() {
    return at < size ? buffer.getByte(at++) & 0xff : -1;
  }

  @Override
  public int read(byte[] into, int offset, int length) {
    if (length == 0) {
      return 0;
    }
    if (at == size) {
      return -1;
    }
    int n = Math.min(length, size - at);
    buffer.get(at, into, offset, n);
    at += n;
    return n;
  }

  @Override
  public int available() {
    return size - at;
  }
}
