package dev.tusk.fsd.store;

import java.util.Objects;

/** An upstream commit that a commit was made from: {@code repo@branch=id}. */
public record CommitProvenance(String repo, String branch, String id) {
  public CommitProvenance {
    Objects.requireNonNull(repo, "repo");
    Objects.requireNonNull(branch, "branch");
    Objects.requireNonNull(id, "id");
  }
}
