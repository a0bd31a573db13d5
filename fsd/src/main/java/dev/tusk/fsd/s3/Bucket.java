package dev.tusk.fsd.s3;

import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.version.Names;

/**
 * A bucket name as in Pachyderm: {@code branch.repo} (the branch head, read-write) or {@code
 * commit.branch.repo} (one commit, read-only). Repo names have no dots, so the repo is what follows
 * the last one; branch names may have dots, so a name is a commit bucket exactly when its first
 * segment is a 32-hex commit id and at least two more segments follow.
 *
 * @param commit the commit id, or null for a branch bucket
 */
record Bucket(String repo, String branch, String commit) {

  static Bucket parse(String name) {
    int last = name.lastIndexOf('.');
    if (last <= 0 || last == name.length() - 1) {
      throw invalid(name, "expected branch.repo or commit.branch.repo");
    }
    String repo = name.substring(last + 1);
    String rest = name.substring(0, last);
    String commit = null;
    int first = rest.indexOf('.');
    if (first > 0 && Names.isCommitId(rest.substring(0, first))) {
      commit = rest.substring(0, first);
      rest = rest.substring(first + 1);
    }
    try {
      Names.checkRepo(repo);
      Names.checkBranch(rest);
    } catch (PfsException e) {
      throw invalid(name, e.getMessage());
    }
    return new Bucket(repo, rest, commit);
  }

  boolean readOnly() {
    return commit != null;
  }

  /** The ref Pfs resolves: {@code repo@commit} or {@code repo@branch}. */
  String ref() {
    return repo + "@" + (commit != null ? commit : branch);
  }

  String name() {
    return (commit != null ? commit + "." : "") + branch + "." + repo;
  }

  private static S3Exception invalid(String name, String why) {
    return new S3Exception("InvalidBucketName", 400, "Invalid bucket name '" + name + "': " + why);
  }
}
