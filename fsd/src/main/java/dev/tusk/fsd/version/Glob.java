package dev.tusk.fsd.version;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A pachctl-style glob over absolute paths: {@code *} and {@code ?} stay within one path segment,
 * {@code **} crosses segments, {@code [...]} is a character class. {@code *} alone means {@code /*}.
 */
final class Glob {
  private final Pattern regex;
  private final String literalPrefix;

  private Glob(Pattern regex, String literalPrefix) {
    this.regex = regex;
    this.literalPrefix = literalPrefix;
  }

  static Glob compile(String pattern) {
    if (pattern == null || pattern.isEmpty()) {
      throw new PfsException(ErrorCode.INVALID_ARGUMENT, "Empty glob pattern");
    }
    String p = pattern.startsWith("/") ? pattern : "/" + pattern;
    if (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      switch (c) {
        case '*' -> {
          if (i + 1 < p.length() && p.charAt(i + 1) == '*') {
            regex.append(".*");
            i++;
          } else {
            regex.append("[^/]*");
          }
        }
        case '?' -> regex.append("[^/]");
        case '[' -> {
          int close = p.indexOf(']', i + 1);
          if (close < 0) {
            throw new PfsException(
                ErrorCode.INVALID_ARGUMENT, "Invalid glob '" + pattern + "': unclosed '['");
          }
          String body = p.substring(i + 1, close);
          regex.append('[').append(body.startsWith("!") ? "^" + body.substring(1) : body).append(']');
          i = close;
        }
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    try {
      return new Glob(Pattern.compile(regex.toString()), literalPrefix(p));
    } catch (PatternSyntaxException e) {
      throw new PfsException(
          ErrorCode.INVALID_ARGUMENT, "Invalid glob '" + pattern + "': " + e.getDescription());
    }
  }

  /** The deepest directory that holds every match: where a walk must start. */
  String literalPrefix() {
    return literalPrefix;
  }

  boolean matches(String path) {
    return regex.matcher(path).matches();
  }

  private static String literalPrefix(String p) {
    int meta = p.length();
    for (int i = 0; i < p.length(); i++) {
      if ("*?[".indexOf(p.charAt(i)) >= 0) {
        meta = i;
        break;
      }
    }
    if (meta == p.length()) {
      int slash = p.lastIndexOf('/');
      return slash <= 0 ? "/" : p.substring(0, slash);
    }
    int slash = p.lastIndexOf('/', meta);
    return slash <= 0 ? "/" : p.substring(0, slash);
  }
}
