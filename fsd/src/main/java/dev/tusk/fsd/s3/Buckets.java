package dev.tusk.fsd.s3;

import dev.tusk.fsd.store.BranchRecord;
import dev.tusk.fsd.store.CommitRecord;
import dev.tusk.fsd.tree.TreePaths;
import dev.tusk.fsd.version.Pfs;
import java.time.Instant;

/** What a bucket name and a key mean in Tusk: the commit to read, the branch to write, the path. */
final class Buckets {
  private final Pfs pfs;

  Buckets(Pfs pfs) {
    this.pfs = pfs;
  }

  Pfs pfs() {
    return pfs;
  }

  /** The commit a read sees: the branch head or the named commit; null for a branch without commits. */
  CommitRecord readCommit(Bucket bucket) {
    if (!bucket.readOnly()) {
      BranchRecord branch = pfs.inspectBranch(bucket.repo(), bucket.branch());
      if (branch.head() == null) {
        return null;
      }
    }
    return pfs.resolve(bucket.ref());
  }

  /** Fails unless writes may go to the bucket: a branch that no pipeline writes. */
  void checkWritable(Bucket bucket) {
    if (bucket.readOnly()) {
      throw S3Exception.accessDenied(
          "Bucket " + bucket.name() + " is one commit, which is read-only; write to "
              + bucket.branch() + "." + bucket.repo());
    }
    BranchRecord branch = pfs.inspectBranch(bucket.repo(), bucket.branch());
    if (!branch.provenance().isEmpty()) {
      throw S3Exception.accessDenied(
          "Branch " + bucket.repo() + "@" + bucket.branch() + " is a pipeline's output: only the"
              + " pipeline writes it");
    }
  }

  /** When an object in {@code commit} last changed, as far as S3 can tell: the commit's time. */
  static Instant modified(CommitRecord commit) {
    return commit.finished() != null ? commit.finished() : commit.started();
  }

  /**
   * The tree path of an object key. Keys must be paths already in normal form: no leading or
   * doubled slash, no {@code .} or {@code ..} segment (so nothing escapes the repo and a key reads
   * back as written). A trailing slash (a "directory marker") is dropped.
   */
  static String path(String key) {
    if (key == null || key.isEmpty()) {
      throw S3Exception.invalidArgument("The object key is empty");
    }
    if (key.length() > 1024) {
      throw new S3Exception("KeyTooLongError", 400, "Object keys are at most 1024 characters");
    }
    String trimmed = isDirectoryMarker(key) ? key.substring(0, key.length() - 1) : key;
    String path;
    try {
      path = TreePaths.normalize("/" + trimmed);
    } catch (dev.tusk.fsd.PfsException e) {
      throw S3Exception.invalidArgument("Key '" + key + "' cannot be a path in a repo: " + e.getMessage());
    }
    if (trimmed.isEmpty() || !path.equals("/" + trimmed)) {
      throw S3Exception.invalidArgument(
          "Key '" + key + "' cannot be a path in a repo: it has an empty segment or a leading slash");
    }
    return path;
  }

  static boolean isDirectoryMarker(String key) {
    return key.endsWith("/");
  }

  static String etag(String hash) {
    return "\"" + hash + "\"";
  }
}
