package dev.tusk.fsd.store;

import dev.tusk.fsd.tree.TreeRef;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A commit as stored.
 *
 * @param id 32 lowercase hex digits
 * @param branch the branch it was made on
 * @param parent the parent commit's id, {@code null} for a first commit
 * @param finished {@code null} while open
 * @param tree the root of its file tree (its size and file count included)
 * @param commitSet shared by every commit caused by one upstream change
 * @param provenance the exact upstream commits it was made from
 */
public record CommitRecord(
    String id,
    String repo,
    String branch,
    String parent,
    CommitState state,
    Instant started,
    Instant finished,
    String description,
    TreeRef tree,
    String commitSet,
    List<CommitProvenance> provenance) {

  public CommitRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(repo, "repo");
    Objects.requireNonNull(branch, "branch");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(started, "started");
    Objects.requireNonNull(tree, "tree");
    Objects.requireNonNull(commitSet, "commitSet");
    description = description == null ? "" : description;
    provenance = List.copyOf(provenance);
    if ((state == CommitState.FINISHED) != (finished != null)) {
      throw new IllegalArgumentException("Commit " + id + " is " + state + " but finished=" + finished);
    }
  }

  public CommitRecord withTree(TreeRef newTree) {
    return new CommitRecord(
        id, repo, branch, parent, state, started, finished, description, newTree, commitSet, provenance);
  }

  public CommitRecord finish(Instant at, String newDescription) {
    return new CommitRecord(
        id, repo, branch, parent, CommitState.FINISHED, started, at, newDescription, tree, commitSet,
        provenance);
  }
}
