package dev.tusk.fsd.tree;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where tree objects live in the object store: {@code trees/<first 2 hex>/<sha-256 of the bytes>},
 * fanned out like chunks so that no backend directory grows too large.
 */
final class NodeKeys {
  static final String PREFIX = "trees/";
  private static final HexFormat HEX = HexFormat.of();
  private static final int KEY_LENGTH = PREFIX.length() + 3 + 64;

  private NodeKeys() {}

  /** The key of an object with these bytes. */
  static String keyOf(byte[] bytes) {
    return keyOfDigest(sha256().digest(bytes));
  }

  /** The key of an object whose SHA-256 is {@code digest}. */
  static String keyOfDigest(byte[] digest) {
    String hex = HEX.formatHex(digest);
    return PREFIX + hex.substring(0, 2) + "/" + hex;
  }

  /** The raw SHA-256 a key names. */
  static byte[] digestOf(String key) {
    return HEX.parseHex(key, KEY_LENGTH - 64, KEY_LENGTH);
  }

  static void checkKey(String key) {
    boolean valid =
        key.length() == KEY_LENGTH
            && key.startsWith(PREFIX)
            && key.charAt(PREFIX.length() + 2) == '/'
            && key.regionMatches(PREFIX.length(), key, KEY_LENGTH - 64, 2)
            && isHex64(key.substring(KEY_LENGTH - 64));
    if (!valid) {
      throw new IllegalArgumentException(
          "Invalid tree node key '" + key + "': expected trees/<2 hex>/<64 hex>");
    }
  }

  static boolean isHex64(String s) {
    if (s.length() != 64) {
      return false;
    }
    for (int i = 0; i < 64; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java runtime has SHA-256", e);
    }
  }
}
