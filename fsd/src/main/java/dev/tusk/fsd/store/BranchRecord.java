package dev.tusk.fsd.store;

import java.util.List;
import java.util.Objects;

/**
 * A branch as stored: its head commit id ({@code null} before its first commit) and the branches
 * it is provenant on (a pipeline's output branch names its input branches).
 */
public record BranchRecord(String repo, String name, String head, List<BranchKey> provenance) {
  public BranchRecord {
    Objects.requireNonNull(repo, "repo");
    Objects.requireNonNull(name, "name");
    provenance = List.copyOf(provenance);
  }

  public BranchKey key() {
    return new BranchKey(repo, name);
  }

  public BranchRecord withHead(String newHead) {
    return new BranchRecord(repo, name, newHead, provenance);
  }
}
