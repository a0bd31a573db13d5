package dev.tusk.cli;

/**
 * Splits the refs users type where a request needs their parts ({@code repo@branch:/path} of a
 * put). Validating names and resolving ancestry ({@code ^N}, {@code ~N}) is the daemon's job: refs
 * that go whole into a request are sent as typed.
 */
final class Refs {
  private Refs() {}

  /**
   * A branch of a repo, and optionally a path in it.
   *
   * @param branch empty for the default branch
   * @param path an absolute path, or null when none was given
   */
  record BranchPath(String repo, String branch, String path) {
    /** {@code repo@branch} as the daemon reads it. */
    String ref() {
      return branch.isEmpty() ? repo : repo + "@" + branch;
    }
  }

  /** {@code repo[@branch][:/path]}. */
  static BranchPath branchPath(String text) {
    int colon = text.indexOf(':');
    String ref = colon < 0 ? text : text.substring(0, colon);
    String path = colon < 0 ? null : absolute(text.substring(colon + 1));
    int at = ref.indexOf('@');
    String repo = at < 0 ? ref : ref.substring(0, at);
    String branch = at < 0 ? "" : ref.substring(at + 1);
    if (repo.isEmpty() || (at >= 0 && branch.isEmpty())) {
      throw new IllegalArgumentException("Invalid ref '" + text + "': expected REPO@BRANCH[:/PATH]");
    }
    return new BranchPath(repo, branch, path);
  }

  /** {@code repo@branch}, both parts required. */
  static BranchPath branch(String text) {
    BranchPath ref = branchPath(text);
    if (ref.branch().isEmpty() || ref.path() != null) {
      throw new IllegalArgumentException("Invalid branch '" + text + "': expected REPO@BRANCH");
    }
    return ref;
  }

  /** A path made absolute: {@code a/b} is {@code /a/b}, the empty path is {@code /}. */
  static String absolute(String path) {
    return path.startsWith("/") ? path : "/" + path;
  }

  /** {@code dir} and a relative path joined with one slash. */
  static String join(String dir, String relative) {
    if (relative.isEmpty()) {
      return dir;
    }
    return dir.endsWith("/") ? dir + relative : dir + "/" + relative;
  }
}
