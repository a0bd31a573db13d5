package dev.tusk.fsd.version;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A pachctl-style glob over absolute paths: {@code *} and {@code ?} stay within one path segment,
 * {@code **} crosses segments, {@code [...]} is a character class, {@code (...)} is a capture group
 * (as in Pachyderm, so a literal parenthesis needs a backslash: {@code \(}), and {@code \} escapes
 * the next character. {@code *} alone means {@code /*}. Only the glob {@code /} matches the root.
 */
public final class Glob {
  private final String pattern;
  private final Pattern regex;
  private final String literalPrefix;
  private final boolean root;

  private Glob(String pattern, Pattern regex, String literalPrefix, boolean root) {
    this.pattern = pattern;
    this.regex = regex;
    this.literalPrefix = literalPrefix;
    this.root = root;
  }

  /**
   * Compiles a glob; a missing leading slash is implied and a trailing one ignored.
   *
   * @throws PfsException INVALID_ARGUMENT for an empty or malformed pattern
   */
  public static Glob compile(String pattern) {
    if (pattern == null || pattern.isEmpty()) {
      throw new PfsException(ErrorCode.INVALID_ARGUMENT, "Empty glob pattern");
    }
    String p = pattern.startsWith("/") ? pattern : "/" + pattern;
    if (p.length() > 1 && p.endsWith("/") && !p.endsWith("\\/")) {
      p = p.substring(0, p.length() - 1);
    }
    StringBuilder regex = new StringBuilder();
    int open = 0;
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
            throw invalid(pattern, "unclosed '['");
          }
          String body = p.substring(i + 1, close);
          regex
              .append('[')
              .append(body.startsWith("!") ? "^" + body.substring(1) : body)
              .append(']');
          i = close;
        }
        case '(' -> {
          regex.append('(');
          open++;
        }
        case ')' -> {
          if (open == 0) {
            throw invalid(pattern, "unopened ')'");
          }
          regex.append(')');
          open--;
        }
        case '\\' -> {
          if (i + 1 == p.length()) {
            throw invalid(pattern, "trailing '\\'");
          }
          regex.append(Pattern.quote(String.valueOf(p.charAt(++i))));
        }
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    if (open > 0) {
      throw invalid(pattern, "unclosed '('");
    }
    try {
      return new Glob(pattern, Pattern.compile(regex.toString()), literalPrefix(p), p.equals("/"));
    } catch (PatternSyntaxException e) {
      throw invalid(pattern, e.getDescription());
    }
  }

  private static PfsException invalid(String pattern, String why) {
    return new PfsException(ErrorCode.INVALID_ARGUMENT, "Invalid glob '" + pattern + "': " + why);
  }

  /** The deepest directory that holds every match: where a walk must start. */
  public String literalPrefix() {
    return literalPrefix;
  }

  public boolean matches(String path) {
    return matcher(path) != null;
  }

  /** How many capture groups the glob has. */
  public int groupCount() {
    return regex.matcher("").groupCount();
  }

  /**
   * The capture groups (1 to {@link #groupCount()}) of a matching path; empty if it doesn't match.
   */
  public Optional<List<String>> groups(String path) {
    Matcher m = matcher(path);
    if (m == null) {
      return Optional.empty();
    }
    List<String> groups = new ArrayList<>(m.groupCount());
    for (int i = 1; i <= m.groupCount(); i++) {
      groups.add(m.group(i) == null ? "" : m.group(i));
    }
    return Optional.of(groups);
  }

  /**
   * Expands a Pachyderm key template such as {@code "$1-$2"} for a matching path: {@code $N} and
   * {@code ${N}} are capture group N ({@code $0} the whole path), {@code $$} is a dollar sign, and
   * anything else is kept as written.
   *
   * @throws IllegalArgumentException if the path doesn't match or {@link #checkTemplate} would fail
   */
  public String expand(String template, String path) {
    Matcher m = matcher(path);
    if (m == null) {
      throw new IllegalArgumentException("'" + path + "' does not match glob '" + pattern + "'");
    }
    checkTemplate(template);
    StringBuilder out = new StringBuilder();
    for (Ref ref : parse(template)) {
      if (ref.group < 0) {
        out.append(ref.literal);
      } else {
        String g = m.group(ref.group);
        out.append(g == null ? "" : g);
      }
    }
    return out.toString();
  }

  /**
   * Checks that a key template is well formed and refers only to groups this glob has.
   *
   * @throws IllegalArgumentException saying what is wrong, e.g. "'$2' refers to capture group 2 but
   *     glob '/(*)' has 1"
   */
  public void checkTemplate(String template) {
    int groups = groupCount();
    for (Ref ref : parse(template)) {
      if (ref.group > groups) {
        throw new IllegalArgumentException(
            "'"
                + template
                + "' refers to capture group "
                + ref.group
                + " but glob '"
                + pattern
                + "' has "
                + groups);
      }
    }
  }

  // "/*" and "/**" would match "/" with an empty star; the root is a datum only for "/".
  private Matcher matcher(String path) {
    if (path.equals("/") && !root) {
      return null;
    }
    Matcher m = regex.matcher(path);
    return m.matches() ? m : null;
  }

  /** A piece of a key template: a literal (group -1) or a group reference. */
  private record Ref(String literal, int group) {}

  private static List<Ref> parse(String template) {
    List<Ref> refs = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < template.length(); i++) {
      char c = template.charAt(i);
      if (c != '$' || i + 1 == template.length()) {
        literal.append(c);
        continue;
      }
      char next = template.charAt(i + 1);
      int end;
      String digits;
      if (next == '$') {
        literal.append('$');
        i++;
        continue;
      } else if (next == '{') {
        end = template.indexOf('}', i + 2);
        if (end < 0) {
          throw new IllegalArgumentException("'" + template + "' has an unclosed '${'");
        }
        digits = template.substring(i + 2, end);
        end++;
      } else {
        end = i + 1;
        while (end < template.length() && Character.isDigit(template.charAt(end))) {
          end++;
        }
        digits = template.substring(i + 1, end);
        if (digits.isEmpty()) {
          literal.append(c);
          continue;
        }
      }
      if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(Character::isDigit)) {
        throw new IllegalArgumentException(
            "'"
                + template
                + "' has a malformed group reference '"
                + template.substring(i, end)
                + "'");
      }
      if (literal.length() > 0) {
        refs.add(new Ref(literal.toString(), -1));
        literal.setLength(0);
      }
      refs.add(new Ref(null, Integer.parseInt(digits)));
      i = end - 1;
    }
    if (literal.length() > 0) {
      refs.add(new Ref(literal.toString(), -1));
    }
    return refs;
  }

  @Override
  public String toString() {
    return pattern;
  }

  private static String literalPrefix(String p) {
    int meta = p.length();
    for (int i = 0; i < p.length(); i++) {
      if ("*?[(\\".indexOf(p.charAt(i)) >= 0) {
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
