package dev.tusk.fsd.store;

import java.util.List;
import java.util.Optional;

/**
 * Where repos, branches and commits live: an embedded SQLite file by default, PostgreSQL when
 * several daemons share one bucket. Every method is atomic; the ones that move a branch head or
 * change a commit are compare-and-set, so that concurrent daemons never lose each other's updates
 * and need no lock held in memory. Errors are {@link dev.tusk.fsd.PfsException}s:
 * REPO_EXISTS / BRANCH_EXISTS on duplicates, REPO_NOT_FOUND when a repo is missing, UNAVAILABLE when
 * the database cannot be reached.
 */
public interface MetadataStore extends AutoCloseable {

  void createRepo(RepoRecord repo);

  Optional<RepoRecord> getRepo(String name);

  /** In name order. */
  List<RepoRecord> listRepos();

  /** False if the repo does not exist. */
  boolean updateRepoDescription(String name, String description);

  /** Deletes the repo with its branches and commits; false if it did not exist. */
  boolean deleteRepo(String name);

  void createBranch(BranchRecord branch);

  Optional<BranchRecord> getBranch(String repo, String name);

  /** In name order. */
  List<BranchRecord> listBranches(String repo);

  /** Every branch, of any repo, that names {@code upstream} in its provenance. */
  List<BranchRecord> branchesProvenantOn(BranchKey upstream);

  /** False if it did not exist. */
  boolean deleteBranch(String repo, String name);

  /**
   * Points a branch at {@code newHead} if its head is still {@code expectedHead} ({@code null} for
   * "no commits yet"); false if another writer moved it first.
   */
  boolean casBranchHead(String repo, String branch, String expectedHead, String newHead);

  /**
   * In one transaction: inserts {@code commit} (open or already finished) and moves its branch's
   * head from {@code expectedHead} to it. False, and nothing changed, if the head had moved.
   */
  boolean insertCommit(CommitRecord commit, String expectedHead);

  Optional<CommitRecord> getCommit(String id);

  /**
   * Replaces a commit with {@code updated} if its stored state and tree still equal {@code
   * expected}'s; false if another writer changed it first. A finished commit is never replaced.
   */
  boolean casCommit(CommitRecord expected, CommitRecord updated);

  /** The repo's commits, newest first. */
  List<CommitRecord> listCommits(String repo);

  /** Every open commit of every repo (the daemon finishes them at startup). */
  List<CommitRecord> openCommits();

  /** The pipelines, jobs and datums, kept in the same database. */
  PipelineStore pipelines();

  @Override
  void close();
}
