package dev.tusk.chunkstore;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The id of a chunk: the SHA-256 of its bytes, as 64 lowercase hex digits. */
public record ChunkId(String hex) implements Comparable<ChunkId> {
  private static final HexFormat HEX = HexFormat.of();

  public ChunkId {
    if (hex == null || hex.length() != 64 || !isLowerHex(hex)) {
      throw new IllegalArgumentException("Invalid chunk id '" + hex + "': expected 64 lowercase hex digits");
    }
  }

  /** The id of {@code length} bytes of {@code data} from {@code offset}. */
  public static ChunkId of(byte[] data, int offset, int length) {
    MessageDigest sha = sha256();
    sha.update(data, offset, length);
    return fromDigest(sha.digest());
  }

  /** The id of the bytes between {@code data}'s position and limit, which stay where they were. */
  public static ChunkId of(ByteBuffer data) {
    MessageDigest sha = sha256();
    sha.update(data.duplicate());
    return fromDigest(sha.digest());
  }

  /** The id of all of {@code data}. */
  public static ChunkId of(byte[] data) {
    return of(data, 0, data.length);
  }

  /** The id whose raw 32-byte digest is {@code digest}. */
  public static ChunkId fromDigest(byte[] digest) {
    if (digest.length != 32) {
      throw new IllegalArgumentException("A SHA-256 digest has 32 bytes, not " + digest.length);
    }
    return new ChunkId(HEX.formatHex(digest));
  }

  /** The raw 32-byte digest. */
  public byte[] digest() {
    return HEX.parseHex(hex);
  }

  /** Where the chunk lives in an object store: fanned out by its first byte. */
  public String objectKey() {
    return "chunks/" + hex.substring(0, 2) + "/" + hex;
  }

  /** A new SHA-256 digest; the JDK uses the CPU's SHA instructions where it has them. */
  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java runtime has SHA-256", e);
    }
  }

  @Override
  public int compareTo(ChunkId other) {
    return hex.compareTo(other.hex);
  }

  @Override
  public String toString() {
    return hex;
  }

  private static boolean isLowerHex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }
}
