package dev.tusk.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code list file -o json} formatted straight from the wire bytes of {@code FileInfoBatch}
 * messages ({@code TuskClient.listFileBatchedWire}): the same lines as {@link JsonOutput#file}, but
 * with no message objects, no strings and one output buffer, so that a large directory streams at
 * several hundred thousand entries a second even in a client JVM that runs C1 code only.
 *
 * <p>It reads the few {@code FileInfo} fields it prints by their numbers in {@code pfs.proto}
 * (path 1, type 2, size_bytes 3, hash 4, commit 5) and skips any other field, as a parser would.
 * Strings are UTF-8 on the wire and stay UTF-8 here, escaped as Jackson escapes them (characters
 * outside the BMP as surrogate-pair escapes).
 */
final class WireFileJson {
  private static final int BATCH_FILES = 1;
  private static final int PATH = 1;
  private static final int TYPE = 2;
  private static final int SIZE = 3;
  private static final int HASH = 4;
  private static final int COMMIT = 5;
  /** {@code FileType.DIR}. */
  private static final int DIR = 2;
  private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OPEN_PATH = ascii("{\"path\":\"");
  private static final byte[] TYPE_FILE = ascii("\",\"type\":\"file\",\"size_bytes\":");
  private static final byte[] TYPE_DIR = ascii("\",\"type\":\"dir\",\"size_bytes\":");
  private static final byte[] OPEN_HASH = ascii(",\"hash\":\"");
  private static final byte[] OPEN_COMMIT = ascii("\",\"commit\":\"");
  private static final byte[] CLOSE = ascii("\"}\n");

  private final OutputStream out;
  private byte[] buffer = new byte[1 << 16];
  private int length;

  /** Writes to {@code out}; call {@link #flush()} at the end. */
  WireFileJson(OutputStream out) {
    this.out = out;
  }

  /** Writes one line for each entry of a serialized {@code FileInfoBatch}. */
  void batch(byte[] wire) throws IOException {
    Reader in = new Reader(wire, 0, wire.length);
    while (in.more()) {
      int tag = in.varint32();
      if (tag >>> 3 == BATCH_FILES && (tag & 7) == 2) {
        int size = in.varint32();
        if (size > wire.length - in.at) {
          throw Reader.malformed();
        }
        file(wire, in.at, in.at + size);
        in.at += size;
      } else {
        in.skip(tag);
      }
    }
  }

  void flush() throws IOException {
    out.write(buffer, 0, length);
    length = 0;
    out.flush();
  }

  /** One {@code FileInfo} at {@code wire[from, to)}. */
  private void file(byte[] wire, int from, int to) throws IOException {
    int pathAt = 0;
    int pathLength = 0;
    int hashAt = 0;
    int hashLength = 0;
    int commitAt = 0;
    int commitLength = 0;
    long type = 0;
    long size = 0;
    Reader in = new Reader(wire, from, to);
    while (in.more()) {
      int tag = in.varint32();
      int field = tag >>> 3;
      int wireType = tag & 7;
      if (wireType == 2 && (field == PATH || field == HASH || field == COMMIT)) {
        int n = in.varint32();
        if (n > to - in.at) {
          throw Reader.malformed();
        }
        if (field == PATH) {
          pathAt = in.at;
          pathLength = n;
        } else if (field == HASH) {
          hashAt = in.at;
          hashLength = n;
        } else {
          commitAt = in.at;
          commitLength = n;
        }
        in.at += n;
      } else if (wireType == 0 && field == TYPE) {
        type = in.varint64();
      } else if (wireType == 0 && field == SIZE) {
        size = in.varint64();
      } else {
        in.skip(tag);
      }
    }
    append(OPEN_PATH);
    string(wire, pathAt, pathLength);
    append(type == DIR ? TYPE_DIR : TYPE_FILE);
    number(size);
    append(OPEN_HASH);
    string(wire, hashAt, hashLength);
    append(OPEN_COMMIT);
    string(wire, commitAt, commitLength);
    append(CLOSE);
  }

  /** UTF-8 bytes as a JSON string's contents: quote, backslash and control characters escaped. */
  private void string(byte[] utf8, int at, int n) throws IOException {
    room(6 * n);
    byte[] b = buffer;
    int w = length;
    for (int i = at, end = at + n; i < end; i++) {
      byte c = utf8[i];
      if ((c & 0xF8) == 0xF0 && i + 3 < end) {
        // Outside the BMP: Jackson writes the UTF-16 surrogate pair as two escapes.
        int point = ((c & 7) << 18) | ((utf8[i + 1] & 0x3F) << 12) | ((utf8[i + 2] & 0x3F) << 6)
            | (utf8[i + 3] & 0x3F);
        w = unicodeEscape(b, w, 0xD800 + ((point - 0x10000) >> 10));
        w = unicodeEscape(b, w, 0xDC00 + ((point - 0x10000) & 0x3FF));
        i += 3;
        continue;
      }
      if (c >= 0x20 && c != '"' && c != '\\' || c < 0) { // c < 0: a byte of a multi-byte character
        b[w++] = c;
        continue;
      }
      b[w++] = '\\';
      switch (c) {
        case '"', '\\' -> b[w++] = c;
        case '\n' -> b[w++] = 'n';
        case '\t' -> b[w++] = 't';
        case '\r' -> b[w++] = 'r';
        case '\b' -> b[w++] = 'b';
        case '\f' -> b[w++] = 'f';
        default -> {
          b[w++] = 'u';
          b[w++] = '0';
          b[w++] = '0';
          b[w++] = HEX[c >> 4];
          b[w++] = HEX[c & 15];
        }
      }
    }
    length = w;
  }

  private static int unicodeEscape(byte[] b, int w, int unit) {
    b[w++] = '\\';
    b[w++] = 'u';
    b[w++] = HEX[(unit >> 12) & 15];
    b[w++] = HEX[(unit >> 8) & 15];
    b[w++] = HEX[(unit >> 4) & 15];
    b[w++] = HEX[unit & 15];
    return w;
  }

  private void number(long value) throws IOException {
    if (value >= 0 && value < 10) {
      room(1);
      buffer[length++] = (byte) ('0' + value);
      return;
    }
    append(ascii(Long.toString(value)));
  }

  private void append(byte[] bytes) throws IOException {
    room(bytes.length);
    System.arraycopy(bytes, 0, buffer, length, bytes.length);
    length += bytes.length;
  }

  /** Makes room for {@code n} more bytes: writes the buffer out when full, grows it for a huge field. */
  private void room(int n) throws IOException {
    if (length + n <= buffer.length) {
      return;
    }
    out.write(buffer, 0, length);
    length = 0;
    if (n > buffer.length) {
      buffer = new byte[n];
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Protocol buffers' wire format, as far as these messages need it. */
  private static final class Reader {
    private final byte[] wire;
    private final int end;
    int at;

    Reader(byte[] wire, int from, int to) {
      if (from < 0 || to > wire.length || from > to) {
        throw malformed();
      }
      this.wire = wire;
      this.at = from;
      this.end = to;
    }

    boolean more() {
      return at < end;
    }

    int varint32() {
      long value = varint64();
      if (value < 0 || value > Integer.MAX_VALUE) {
        throw malformed();
      }
      return (int) value;
    }

    long varint64() {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (at >= end) {
          throw malformed();
        }
        byte b = wire[at++];
        value |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          return value;
        }
      }
      throw malformed();
    }

    /** Skips the value of a field this reader does not print. */
    void skip(int tag) {
      switch (tag & 7) {
        case 0 -> varint64();
        case 1 -> at += 8;
        case 2 -> {
          int n = varint32(); // not "at += varint32()": that adds to the position before the length
          at += n;
        }
        case 5 -> at += 4;
        default -> throw malformed();
      }
      if (at > end) {
        throw malformed();
      }
    }

    private static IllegalStateException malformed() {
      return new IllegalStateException("The daemon sent a malformed file listing");
    }
  }
}
