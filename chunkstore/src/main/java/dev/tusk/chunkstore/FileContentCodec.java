package dev.tusk.chunkstore;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A compact binary form of {@link FileContent}: magic {@code TFC1}, the 32-byte content hash, the
 * size, the ref count, then each ref as a 32-byte chunk digest, offset and length (big-endian).
 */
public final class FileContentCodec {
  private static final int MAGIC = 0x54464331; // "TFC1"
  private static final HexFormat HEX = HexFormat.of();

  private FileContentCodec() {}

  public static byte[] encode(FileContent content) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(48 + 40 * content.refs().size());
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.write(HEX.parseHex(content.hash()));
      out.writeLong(content.size());
      out.writeInt(content.refs().size());
      for (DataRef ref : content.refs()) {
        out.write(ref.chunk().digest());
        out.writeInt(ref.offset());
        out.writeInt(ref.length());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array never fails
    }
    return bytes.toByteArray();
  }

  /** Decodes {@link #encode} output; anything else is an IOException saying what is wrong. */
  public static FileContent decode(byte[] encoded) throws IOException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
      if (in.readInt() != MAGIC) {
        throw new IOException("Not an encoded file content: bad magic");
      }
      String hash = HEX.formatHex(in.readNBytes(32));
      long size = in.readLong();
      int count = in.readInt();
      if (count < 0 || count > (encoded.length - 48) / 40) {
        throw new IOException("Corrupt file content: " + count + " refs in " + encoded.length + " bytes");
      }
      List<DataRef> refs = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        byte[] digest = new byte[32];
        in.readFully(digest);
        refs.add(new DataRef(ChunkId.fromDigest(digest), in.readInt(), in.readInt()));
      }
      return new FileContent(hash, size, refs);
    } catch (EOFException e) {
      throw new IOException("Corrupt file content: truncated", e);
    } catch (IllegalArgumentException e) {
      throw new IOException("Corrupt file content: " + e.getMessage(), e);
    }
  }
}
