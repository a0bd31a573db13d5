package dev.tusk.mount;

/**
 * The commit a {@code repo@ref} directory shows, resolved at one moment.
 *
 * @param commitId null for a branch with no commit yet (an empty directory)
 * @param branch the branch the ref names, or null when it names a commit or an ancestor
 * @param finished whether the commit can no longer change (its listings may be cached for good)
 * @param writable whether writes under it go into an open commit on {@code branch}
 * @param epochSecond the commit's time, which every file and directory in it shows as mtime
 */
record Snapshot(
    String repo, String commitId, String branch, boolean finished, boolean writable, long epochSecond, int nano) {

  boolean isEmpty() {
    return commitId == null;
  }
}
