package dev.tusk.mount;

import dev.tusk.api.ErrorCode;
import dev.tusk.api.FileUpload;
import dev.tusk.api.TuskClient;
import dev.tusk.api.TuskException;
import dev.tusk.api.v1.CommitState;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the mount's changes to branches, each into the branch's open commit: one is started when
 * the branch has none, and {@link #finishAll()} finishes those this mount wrote to.
 */
final class BranchWriter {
  private static final Logger LOG = LoggerFactory.getLogger(BranchWriter.class);

  /** The changes to send in one {@code ModifyFile} stream. */
  @FunctionalInterface
  interface Changes {
    void sendTo(FileUpload upload) throws IOException;
  }

  private final TuskClient client;
  private final Namespace namespace;
  /** "repo@branch" of every branch this mount changed. */
  private final Set<String> touched = ConcurrentHashMap.newKeySet();

  BranchWriter(TuskClient client, Namespace namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /** Sends {@code changes} into the open commit on {@code repo@branch}; they apply atomically. */
  void apply(String repo, String branch, Changes changes) throws IOException {
    ensureOpenCommit(repo, branch);
    try (FileUpload upload = client.modifyFile(repo, branch, "")) {
      changes.sendTo(upload);
      upload.finish();
    } finally {
      namespace.forget(repo, branch);
    }
  }

  /** Finishes the open commit of every branch this mount changed; called at unmount. */
  void finishAll() {
    for (String top : touched) {
      int at = top.indexOf('@');
      String repo = top.substring(0, at);
      String branch = top.substring(at + 1);
      try {
        String head = client.inspectBranch(repo, branch).getHead();
        if (!head.isEmpty() && client.inspectCommit(repo + "@" + head, false).getState() == CommitState.OPEN) {
          client.finishCommit(repo + "@" + head, "");
          LOG.info("Finished commit {} on {}", head, top);
        }
      } catch (TuskException e) {
        LOG.warn("Could not finish the open commit on {}: {}", top, e.getMessage());
      }
    }
    touched.clear();
  }

  private void ensureOpenCommit(String repo, String branch) {
    touched.add(repo + "@" + branch);
    String head = "";
    try {
      head = client.inspectBranch(repo, branch).getHead();
    } catch (TuskException e) {
      if (e.code() != ErrorCode.BRANCH_NOT_FOUND) { // else starting a commit creates the branch
        throw e;
      }
    }
    if (!head.isEmpty() && client.inspectCommit(repo + "@" + head, false).getState() == CommitState.OPEN) {
      return;
    }
    try {
      client.startCommit(repo, branch, null, "");
    } catch (TuskException e) {
      if (e.code() != ErrorCode.COMMIT_OPEN) { // someone else opened one first: use theirs
        throw e;
      }
    }
  }
}
