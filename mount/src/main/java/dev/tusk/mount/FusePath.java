package dev.tusk.mount;

/**
 * A path as FUSE hands it over, split into its parts: {@code /} is the root, {@code /repo@ref} a
 * commit's top directory, {@code /repo@ref/a/b} a path inside it.
 *
 * @param repo null for the root
 * @param ref the branch, commit id or ancestry ({@code master^2}) after the {@code @}
 * @param inner the path inside the commit, {@code /} for its top
 */
record FusePath(String repo, String ref, String inner) {
  static final FusePath ROOT = new FusePath(null, null, "/");

  /** The parts of {@code path}; a top name without {@code @} is not a path of the mount. */
  static FusePath parse(String path) {
    if (path.equals("/")) {
      return ROOT;
    }
    int slash = path.indexOf('/', 1);
    String top = slash < 0 ? path.substring(1) : path.substring(1, slash);
    int at = top.indexOf('@');
    if (at <= 0 || at == top.length() - 1) {
      throw Errno.enoent(path);
    }
    return new FusePath(top.substring(0, at), top.substring(at + 1), slash < 0 ? "/" : path.substring(slash));
  }

  boolean isRoot() {
    return repo == null;
  }

  boolean isTop() {
    return repo != null && inner.equals("/");
  }

  /** The path's last name. */
  String name() {
    return inner.substring(inner.lastIndexOf('/') + 1);
  }

  /** The inner path of the directory that holds this one. */
  String parent() {
    int slash = inner.lastIndexOf('/');
    return slash <= 0 ? "/" : inner.substring(0, slash);
  }

  /** The path as FUSE names it. */
  String fusePath() {
    return isRoot() ? "/" : "/" + repo + "@" + ref + (inner.equals("/") ? "" : inner);
  }

  /** {@code repo@ref:/inner} for the daemon, at a resolved commit. */
  String at(String commitId) {
    return repo + "@" + commitId + ":" + inner;
  }
}
