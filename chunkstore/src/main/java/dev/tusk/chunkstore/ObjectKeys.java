package dev.tusk.chunkstore;

/** Validation of object keys, shared by every backend so that all of them accept the same keys. */
public final class ObjectKeys {
  private static final int MAX_LENGTH = 1024;

  private ObjectKeys() {}

  /**
   * Returns {@code key} if it is a relative path of non-empty {@code [A-Za-z0-9._-]} segments that
   * are not {@code .} or {@code ..}; otherwise throws an {@link IllegalArgumentException} naming it.
   */
  public static String check(String key) {
    if (key == null || key.isEmpty() || key.length() > MAX_LENGTH) {
      throw invalid(key, "must be 1 to " + MAX_LENGTH + " characters");
    }
    int segmentStart = 0;
    for (int i = 0; i <= key.length(); i++) {
      if (i == key.length() || key.charAt(i) == '/') {
        checkSegment(key, key.substring(segmentStart, i));
        segmentStart = i + 1;
      } else if (!allowed(key.charAt(i))) {
        throw invalid(key, "character '" + key.charAt(i) + "' is not allowed");
      }
    }
    return key;
  }

  /** Returns {@code prefix} if it is empty or a valid key prefix (a key, possibly ending in '/'). */
  public static String checkPrefix(String prefix) {
    if (prefix.isEmpty()) {
      return prefix;
    }
    check(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
    return prefix;
  }

  private static void checkSegment(String key, String segment) {
    if (segment.isEmpty()) {
      throw invalid(key, "empty path segment");
    }
    if (segment.equals(".") || segment.equals("..")) {
      throw invalid(key, "segment '" + segment + "' is not allowed");
    }
  }

  private static boolean allowed(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '.'
        || c == '_'
        || c == '-';
  }

  private static IllegalArgumentException invalid(String key, String why) {
    return new IllegalArgumentException("Invalid object key '" + key + "': " + why);
  }
}
