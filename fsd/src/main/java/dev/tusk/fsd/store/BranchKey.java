package dev.tusk.fsd.store;

import java.util.Objects;

/** Names a branch: {@code repo@branch}. */
public record BranchKey(String repo, String branch) {
  public BranchKey {
    Objects.requireNonNull(repo, "repo");
    Objects.requireNonNull(branch, "branch");
  }

  @Override
  public String toString() {
    return repo + "@" + branch;
  }
}
