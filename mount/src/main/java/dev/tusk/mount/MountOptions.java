package dev.tusk.mount;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How a mount behaves.
 *
 * @param mountPoint the directory the repos appear in
 * @param write whether {@code repo@branch} directories take writes into an open commit
 * @param repos the repos to show, or empty for all
 * @param allowOther whether users other than the mounting one may read the mount
 * @param refresh how long a branch head, a directory of an open commit, or the list of repos and
 *     branches is trusted before the daemon is asked again: new commits show within this time
 */
public record MountOptions(
    Path mountPoint, boolean write, Set<String> repos, boolean allowOther, Duration refresh) {

  public MountOptions {
    Objects.requireNonNull(mountPoint, "mountPoint");
    repos = Set.copyOf(repos);
    if (refresh.isNegative()) {
      throw new IllegalArgumentException("refresh must not be negative: " + refresh);
    }
  }

  /** Read-only, every repo, refreshed every second. */
  public static MountOptions readOnly(Path mountPoint) {
    return new MountOptions(mountPoint, false, Set.of(), false, Duration.ofSeconds(1));
  }

  public MountOptions withMountPoint(Path newMountPoint) {
    return new MountOptions(newMountPoint, write, repos, allowOther, refresh);
  }

  public MountOptions withWrite(boolean newWrite) {
    return new MountOptions(mountPoint, newWrite, repos, allowOther, refresh);
  }

  public MountOptions withRepos(Set<String> newRepos) {
    return new MountOptions(mountPoint, write, newRepos, allowOther, refresh);
  }

  boolean shows(String repo) {
    return repos.isEmpty() || repos.contains(repo);
  }
}
