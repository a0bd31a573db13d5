package dev.tusk.fsd.grpc;

import com.google.protobuf.Timestamp;
import com.google.protobuf.UnsafeByteOperations;
import dev.tusk.api.ErrorCode;
import dev.tusk.api.v1.PutContent;
import dev.tusk.chunkstore.ChunkId;
import dev.tusk.chunkstore.DataRef;
import dev.tusk.chunkstore.FileContent;
import dev.tusk.fsd.PfsException;
import dev.tusk.api.v1.BranchInfo;
import dev.tusk.api.v1.BranchRef;
import dev.tusk.api.v1.CommitInfo;
import dev.tusk.api.v1.CommitRef;
import dev.tusk.api.v1.CommitState;
import dev.tusk.api.v1.FileInfo;
import dev.tusk.api.v1.FileType;
import dev.tusk.api.v1.RepoInfo;
import dev.tusk.fsd.store.BranchKey;
import dev.tusk.fsd.store.BranchRecord;
import dev.tusk.fsd.store.CommitProvenance;
import dev.tusk.fsd.store.CommitRecord;
import dev.tusk.fsd.store.RepoRecord;
import dev.tusk.fsd.tree.Entry;
import dev.tusk.fsd.tree.EntryType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Records to protobuf messages and back: the only place that knows both. */
public final class Protos {
  private Protos() {}

  static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }

  static RepoInfo repo(RepoRecord repo, long size, List<BranchRecord> branches) {
    RepoInfo.Builder info = RepoInfo.newBuilder()
        .setName(repo.name())
        .setCreated(timestamp(repo.created()))
        .setSizeBytes(size)
        .setDescription(repo.description());
    branches.forEach(b -> info.addBranches(b.name()));
    return info.build();
  }

  static BranchInfo branch(BranchRecord branch) {
    BranchInfo.Builder info = BranchInfo.newBuilder()
        .setRepo(branch.repo())
        .setName(branch.name())
        .setHead(branch.head() == null ? "" : branch.head());
    for (BranchKey upstream : branch.provenance()) {
      info.addProvenance(BranchRef.newBuilder().setRepo(upstream.repo()).setBranch(upstream.branch()));
    }
    return info.build();
  }

  static BranchKey branchKey(BranchRef ref) {
    return new BranchKey(ref.getRepo(), ref.getBranch());
  }

  static CommitInfo commit(CommitRecord commit) {
    CommitInfo.Builder info = CommitInfo.newBuilder()
        .setId(commit.id())
        .setRepo(commit.repo())
        .setBranch(commit.branch())
        .setParent(commit.parent() == null ? "" : commit.parent())
        .setState(switch (commit.state()) {
          case OPEN -> CommitState.OPEN;
          case FINISHED -> CommitState.FINISHED;
        })
        .setStarted(timestamp(commit.started()))
        .setSizeBytes(commit.tree().size())
        .setDescription(commit.description())
        .setCommitSet(commit.commitSet())
        .setTreeHash(commit.tree().hash());
    if (commit.finished() != null) {
      info.setFinished(timestamp(commit.finished()));
    }
    for (CommitProvenance upstream : commit.provenance()) {
      info.addProvenance(CommitRef.newBuilder()
          .setRepo(upstream.repo())
          .setBranch(upstream.branch())
          .setId(upstream.id()));
    }
    return info.build();
  }

  static FileInfo file(Entry entry, String commitId) {
    return fileBuilder(entry, commitId).build();
  }

  /** As {@link #file}, with a file's data refs when {@code withData}. */
  static FileInfo file(Entry entry, String commitId, boolean withData) {
    FileInfo.Builder info = fileBuilder(entry, commitId);
    if (withData && entry.content() != null) {
      for (DataRef ref : entry.content().refs()) {
        info.addData(dev.tusk.api.v1.DataRef.newBuilder()
            .setChunk(UnsafeByteOperations.unsafeWrap(ref.chunk().digest()))
            .setOffset(ref.offset())
            .setLength(ref.length()));
      }
    }
    return info.build();
  }

  /** A client's claim of stored content; {@link FileContent} checks that its refs add up. */
  public static FileContent content(PutContent put) {
    List<DataRef> refs = new ArrayList<>(put.getDataCount());
    for (dev.tusk.api.v1.DataRef ref : put.getDataList()) {
      if (ref.getChunk().size() != 32) {
        throw new PfsException(ErrorCode.INVALID_ARGUMENT, "A data ref of " + put.getPath() + " names no chunk");
      }
      refs.add(new DataRef(ChunkId.fromDigest(ref.getChunk().toByteArray()), ref.getOffset(), ref.getLength()));
    }
    try {
      return new FileContent(put.getHash(), put.getSizeBytes(), refs);
    } catch (IllegalArgumentException e) {
      throw new PfsException(ErrorCode.INVALID_ARGUMENT, "Content of " + put.getPath() + ": " + e.getMessage());
    }
  }

  private static FileInfo.Builder fileBuilder(Entry entry, String commitId) {
    return FileInfo.newBuilder()
        .setPath(entry.path())
        .setType(entry.type() == EntryType.DIR ? FileType.DIR : FileType.FILE)
        .setSizeBytes(entry.size())
        .setHash(entry.hash())
        .setCommit(commitId);
  }
}
