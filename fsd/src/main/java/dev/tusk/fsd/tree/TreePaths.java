package dev.tusk.fsd.tree;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Paths in a file tree: absolute, {@code /}-separated, without empty, {@code .} or {@code ..}
 * segments; {@code "/"} is the root. Names are compared by Unicode code point (the order of their
 * UTF-8 bytes), which is the order of entries in a directory and part of the stored format.
 */
public final class TreePaths {
  /** The root directory. */
  public static final String ROOT = "/";

  /** The longest name, in UTF-8 bytes, as in most POSIX file systems. */
  public static final int MAX_NAME_BYTES = 255;

  /** Code point order of names; Java's {@code String.compareTo} differs above U+D7FF. */
  static final Comparator<String> NAME_ORDER = TreePaths::compareNames;

  private TreePaths() {}

  /**
   * Returns {@code path} in normal form: {@code "a/b"} and {@code "/a/b/"} become {@code "/a/b"};
   * {@code ""} and {@code "/"} are the root.
   *
   * @throws PfsException INVALID_ARGUMENT naming the path if it has an empty, {@code .} or {@code
   *     ..} segment, a NUL, an unpaired surrogate, or a name longer than {@value #MAX_NAME_BYTES}
   *     UTF-8 bytes
   */
  public static String normalize(String path) {
    if (path == null) {
      throw new PfsException(ErrorCode.INVALID_ARGUMENT, "Invalid path: null");
    }
    if (path.isEmpty() || path.equals(ROOT)) {
      return ROOT;
    }
    int start = path.startsWith("/") ? 1 : 0;
    int end = path.endsWith("/") ? path.length() - 1 : path.length();
    if (start >= end) {
      throw invalid(path, "empty segment");
    }
    int segmentStart = start;
    for (int i = start; i <= end; i++) {
      if (i == end || path.charAt(i) == '/') {
        checkName(path, path.substring(segmentStart, i));
        segmentStart = i + 1;
      }
    }
    return start == 1 && end == path.length() ? path : "/" + path.substring(start, end);
  }

  /** The parent of a normalized path; the root has none. */
  public static String parent(String path) {
    int slash = path.lastIndexOf('/');
    if (path.equals(ROOT)) {
      throw new IllegalArgumentException("The root has no parent");
    }
    return slash == 0 ? ROOT : path.substring(0, slash);
  }

  /** The last segment of a normalized path; empty for the root. */
  public static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** {@code name} inside the normalized directory path {@code dir}. */
  static String child(String dir, String name) {
    return dir.equals(ROOT) ? "/" + name : dir + "/" + name;
  }

  /** The names along a normalized path; none for the root. */
  static List<String> segments(String path) {
    List<String> segments = new ArrayList<>();
    int start = 1;
    while (start < path.length()) {
      int slash = path.indexOf('/', start);
      int end = slash < 0 ? path.length() : slash;
      segments.add(path.substring(start, end));
      start = end + 1;
    }
    return segments;
  }

  /** Whether {@code name} is a valid single path segment. */
  static boolean isValidName(String name) {
    return whyInvalid(name) == null;
  }

  static int compareNames(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        return codePointRank(x) - codePointRank(y);
      }
    }
    return a.length() - b.length();
  }

  /**
   * Moves surrogates (which encode code points above U+FFFF) above U+E000..U+FFFF, so that
   * comparing UTF-16 units this way orders by code point.
   */
  private static int codePointRank(char c) {
    if (c < 0xD800) {
      return c;
    }
    return c >= 0xE000 ? c - 0x800 : c + 0x2000;
  }

  private static void checkName(String path, String name) {
    String why = whyInvalid(name);
    if (why != null) {
      throw invalid(path, why);
    }
  }

  private static String whyInvalid(String name) {
    if (name.isEmpty()) {
      return "empty segment";
    }
    if (name.equals(".") || name.equals("..")) {
      return "segment '" + name + "' is not allowed";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '\0') {
        return "NUL is not allowed";
      }
      if (c == '/') {
        return "'/' inside a name";
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 == name.length() || !Character.isLowSurrogate(name.charAt(i + 1))) {
          return "unpaired surrogate";
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return "unpaired surrogate";
      }
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_NAME_BYTES) {
      return "name of " + bytes + " bytes is longer than " + MAX_NAME_BYTES;
    }
    return null;
  }

  private static PfsException invalid(String path, String why) {
    return new PfsException(
        ErrorCode.INVALID_ARGUMENT, "Invalid path '" + path.replace("\0", "\\0") + "': " + why);
  }
}
