package dev.tusk.fsd.version;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;

/**
 * A reference to a commit as users write it: {@code repo@branch}, {@code repo@<commit id>}, and
 * either followed by {@code ^N} or {@code ~N} for the Nth ancestor ({@code ^} alone is {@code ^1}).
 * A bare {@code repo} means {@code repo@master}. With {@link #parseFile}, a {@code :/path} may
 * follow.
 *
 * @param name a branch name or a commit id
 * @param ancestor how many parents to go back
 */
public record Ref(String repo, String name, int ancestor) {
  public static final String DEFAULT_BRANCH = "master";

  public boolean isCommitId() {
    return Names.isCommitId(name);
  }

  /** A ref plus a path inside the commit. */
  public record FileRef(Ref ref, String path) {}

  public static Ref parse(String text) {
    if (text == null || text.isEmpty()) {
      throw invalid(text, "empty");
    }
    int at = text.indexOf('@');
    String repo = at < 0 ? text : text.substring(0, at);
    String rest = at < 0 ? DEFAULT_BRANCH : text.substring(at + 1);
    Names.checkRepo(repo);
    int mark = firstOf(rest, '^', '~');
    String name = mark < 0 ? rest : rest.substring(0, mark);
    int ancestor = mark < 0 ? 0 : ancestry(text, rest.substring(mark));
    if (!Names.isCommitId(name)) {
      Names.checkBranch(name);
    }
    return new Ref(repo, name, ancestor);
  }

  /** {@code repo@ref:/path}; the path defaults to {@code /}. */
  public static FileRef parseFile(String text) {
    if (text == null) {
      throw invalid(null, "empty");
    }
    int colon = text.indexOf(':');
    String path = colon < 0 ? "/" : text.substring(colon + 1);
    return new FileRef(parse(colon < 0 ? text : text.substring(0, colon)), path.isEmpty() ? "/" : path);
  }

  /** Counts {@code ^^^}, {@code ^3}, {@code ~3}, and chains of them. */
  private static int ancestry(String whole, String marks) {
    int total = 0;
    int i = 0;
    while (i < marks.length()) {
      char c = marks.charAt(i++);
      if (c != '^' && c != '~') {
        throw invalid(whole, "expected ^N or ~N after the branch or commit");
      }
      int start = i;
      while (i < marks.length() && Character.isDigit(marks.charAt(i))) {
        i++;
      }
      try {
        total = Math.addExact(total, start == i ? 1 : Integer.parseInt(marks.substring(start, i)));
      } catch (NumberFormatException | ArithmeticException e) {
        throw invalid(whole, "ancestor count too large");
      }
    }
    return total;
  }

  private static int firstOf(String s, char a, char b) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == a || s.charAt(i) == b) {
        return i;
      }
    }
    return -1;
  }

  private static PfsException invalid(String text, String why) {
    return new PfsException(ErrorCode.INVALID_ARGUMENT, "Invalid ref '" + text + "': " + why);
  }

  @Override
  public String toString() {
    return repo + "@" + name + (ancestor == 0 ? "" : "~" + ancestor);
  }
}
