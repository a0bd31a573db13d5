package dev.tusk.fsd.pipeline;

import dev.tusk.fsd.store.BranchKey;
import dev.tusk.fsd.store.BranchRecord;
import dev.tusk.fsd.store.CommitProvenance;
import dev.tusk.fsd.store.CommitRecord;
import dev.tusk.fsd.store.CommitState;
import dev.tusk.fsd.store.JobRecord;
import dev.tusk.fsd.version.Pfs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Chooses the input commits of a pipeline's next job. */
final class InputCommits {
  /** How far back a branch's history is searched for the last commit a job processed. */
  private static final int HISTORY_LIMIT = 1000;

  /** @param trigger the input commit that caused the job; the output commit joins its commit set */
  record Next(List<CommitRecord> commits, CommitRecord trigger) {}

  private final Pfs pfs;

  InputCommits(Pfs pfs) {
    this.pfs = pfs;
  }


  /**
   * The input commits of the next job: every input branch's head for the first job; afterwards
   * the previous job's inputs with one branch moved on by one commit (the one finished first), so
   * that every input commit gets its own job and output commit. Inputs still open are waited for.
   */
  Optional<Next> next(PipelineSpec spec, JobRecord last, long version) {
    Map<BranchKey, CommitRecord> heads = new LinkedHashMap<>();
    for (Input.Pfs input : spec.pfsInputs()) {
      BranchKey key = new BranchKey(input.repo(), input.branch());
      if (heads.containsKey(key)) {
        continue;
      }
      Optional<BranchRecord> branch = pfs.listBranches(input.repo()).stream()
          .filter(b -> b.name().equals(input.branch()))
          .findFirst();
      if (branch.isEmpty() || branch.get().head() == null) {
        return Optional.empty();
      }
      heads.put(key, pfs.inspectCommit(input.repo() + "@" + branch.get().head()));
    }
    if (last == null) {
      List<CommitRecord> commits = new ArrayList<>(heads.values());
      if (commits.stream().anyMatch(c -> c.state() != CommitState.FINISHED)) {
        return Optional.empty();
      }
      CommitRecord trigger = commits.stream().max((a, b) -> a.finished().compareTo(b.finished())).orElseThrow();
      return Optional.of(new Next(commits, trigger));
    }
    Map<BranchKey, String> processed = new HashMap<>();
    for (CommitProvenance input : last.inputs()) {
      processed.put(new BranchKey(input.repo(), input.branch()), input.id());
    }
    CommitRecord earliest = null;
    BranchKey moved = null;
    for (Map.Entry<BranchKey, CommitRecord> head : heads.entrySet()) {
      Optional<CommitRecord> pending = oldestUnprocessed(head.getValue(), processed.get(head.getKey()));
      if (pending.isPresent() && (earliest == null || pending.get().finished().isBefore(earliest.finished()))) {
        earliest = pending.get();
        moved = head.getKey();
      }
    }
    boolean newVersion = version != last.pipelineVersion();
    if (earliest == null && !newVersion) {
      return Optional.empty();
    }
    List<CommitRecord> commits = new ArrayList<>();
    for (Map.Entry<BranchKey, CommitRecord> head : heads.entrySet()) {
      String id = head.getKey().equals(moved) ? earliest.id() : processed.get(head.getKey());
      CommitRecord commit = id == null ? head.getValue() : pfs.inspectCommit(head.getKey().repo() + "@" + id);
      if (commit.state() != CommitState.FINISHED) {
        return Optional.empty();
      }
      commits.add(commit);
    }
    return Optional.of(new Next(commits, earliest != null ? earliest : commits.get(0)));
  }

  /** The oldest finished commit after {@code processed} on the branch whose head is {@code head}. */
  private Optional<CommitRecord> oldestUnprocessed(CommitRecord head, String processed) {
    if (head.id().equals(processed)) {
      return Optional.empty();
    }
    CommitRecord oldest = null;
    CommitRecord commit = head;
    for (int i = 0; i < HISTORY_LIMIT && commit != null && !commit.id().equals(processed); i++) {
      if (commit.state() == CommitState.FINISHED) {
        oldest = commit;
      }
      commit = commit.parent() == null ? null : pfs.inspectCommit(commit.repo() + "@" + commit.parent());
    }
    // Not found in the history (the branch was moved elsewhere): take the head.
    return Optional.ofNullable(commit == null && head.state() == CommitState.FINISHED ? head : oldest);
  }
}
