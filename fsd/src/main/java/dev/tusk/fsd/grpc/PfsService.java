package dev.tusk.fsd.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.tusk.api.ErrorCode;
import dev.tusk.api.v1.BranchInfo;
import dev.tusk.api.v1.CommitInfo;
import dev.tusk.api.v1.CreateBranchRequest;
import dev.tusk.api.v1.CreateRepoRequest;
import dev.tusk.api.v1.DeleteBranchRequest;
import dev.tusk.api.v1.DeleteBranchResponse;
import dev.tusk.api.v1.DeleteRepoRequest;
import dev.tusk.api.v1.DeleteRepoResponse;
import dev.tusk.api.v1.DiffFileRequest;
import dev.tusk.api.v1.DiffFileResponse;
import dev.tusk.api.v1.FileInfo;
import dev.tusk.api.v1.FileInfoBatch;
import dev.tusk.api.v1.FinishCommitRequest;
import dev.tusk.api.v1.GetFileRequest;
import dev.tusk.api.v1.GetFileResponse;
import dev.tusk.api.v1.GetStoreRequest;
import dev.tusk.api.v1.GlobFileRequest;
import dev.tusk.api.v1.InspectBranchRequest;
import dev.tusk.api.v1.InspectCommitRequest;
import dev.tusk.api.v1.InspectFileRequest;
import dev.tusk.api.v1.InspectRepoRequest;
import dev.tusk.api.v1.ListBranchRequest;
import dev.tusk.api.v1.ListCommitRequest;
import dev.tusk.api.v1.ListFileRequest;
import dev.tusk.api.v1.ListRepoRequest;
import dev.tusk.api.v1.ModifyFileRequest;
import dev.tusk.api.v1.PfsGrpc;
import dev.tusk.api.v1.PutContent;
import dev.tusk.api.v1.PutFile;
import dev.tusk.api.v1.RepoInfo;
import dev.tusk.api.v1.StartCommitRequest;
import dev.tusk.api.v1.StoreInfo;
import dev.tusk.chunkstore.ContentReader;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.store.CommitRecord;
import dev.tusk.fsd.store.RepoRecord;
import dev.tusk.fsd.tree.Entry;
import dev.tusk.fsd.version.Modification;
import dev.tusk.fsd.version.Pfs;
import dev.tusk.fsd.version.Ref;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code tusk.v1.Pfs} gRPC service over {@link Pfs}; errors map in {@link ErrorMappingInterceptor}. */
final class PfsService extends PfsGrpc.PfsImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(PfsService.class);
  private static final int DATA_MESSAGE_BYTES = 1 << 20;
  /** A ListFileBatched message holds up to this many entries, or about this many bytes. */
  private static final int LIST_BATCH_ENTRIES = 1000;
  private static final int LIST_BATCH_BYTES = 256 << 10;
  /** Uploaded bytes are copied through a buffer of this size into the file's sink. */
  private static final int SCRATCH_BYTES = 64 << 10;
  private static final Duration MAX_WAIT = Duration.ofDays(1);
  /** Upload messages buffered ahead of the writer: at most 16 MiB of 1 MiB messages. */
  private static final int UPLOAD_WINDOW = 16;

  private final Pfs pfs;
  private final String storeUrl;

  PfsService(Pfs pfs, String storeUrl) {
    this.pfs = pfs;
    this.storeUrl = storeUrl;
  }

  @Override
  public void createRepo(CreateRepoRequest request, StreamObserver<RepoInfo> response) {
    RepoRecord repo = pfs.createRepo(request.getName(), request.getDescription(), request.getUpdate());
    reply(response, repoInfo(repo));
  }

  @Override
  public void inspectRepo(InspectRepoRequest request, StreamObserver<RepoInfo> response) {
    reply(response, repoInfo(pfs.inspectRepo(request.getName())));
  }

  @Override
  public void listRepo(ListRepoRequest request, StreamObserver<RepoInfo> response) {
    Streams.send(response, pfs.listRepos().stream().map(this::repoInfo));
  }

  @Override
  public void deleteRepo(DeleteRepoRequest request, StreamObserver<DeleteRepoResponse> response) {
    pfs.deleteRepo(request.getName(), request.getForce());
    reply(response, DeleteRepoResponse.getDefaultInstance());
  }

  @Override
  public void createBranch(CreateBranchRequest request, StreamObserver<BranchInfo> response) {
    reply(response, Protos.branch(pfs.createBranch(
        request.getRepo(),
        request.getName(),
        request.getHead(),
        request.getProvenanceList().stream().map(Protos::branchKey).toList())));
  }

  @Override
  public void inspectBranch(InspectBranchRequest request, StreamObserver<BranchInfo> response) {
    reply(response, Protos.branch(pfs.inspectBranch(request.getRepo(), request.getName())));
  }

  @Override
  public void listBranch(ListBranchRequest request, StreamObserver<BranchInfo> response) {
    Streams.send(response, pfs.listBranches(request.getRepo()).stream().map(Protos::branch));
  }

  @Override
  public void deleteBranch(DeleteBranchRequest request, StreamObserver<DeleteBranchResponse> response) {
    pfs.deleteBranch(request.getRepo(), request.getName());
    reply(response, DeleteBranchResponse.getDefaultInstance());
  }

  @Override
  public void startCommit(StartCommitRequest request, StreamObserver<CommitInfo> response) {
    reply(response, Protos.commit(pfs.startCommit(
        request.getRepo(), request.getBranch(), request.getParent(), request.getDescription())));
  }

  @Override
  public void finishCommit(FinishCommitRequest request, StreamObserver<CommitInfo> response) {
    reply(response, Protos.commit(pfs.finishCommit(request.getCommit(), request.getDescription())));
  }

  @Override
  public void inspectCommit(InspectCommitRequest request, StreamObserver<CommitInfo> response) {
    CommitRecord commit;
    if (request.getWait()) {
      try {
        commit = pfs.waitCommit(request.getCommit(), MAX_WAIT);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PfsException(ErrorCode.UNAVAILABLE, "The daemon is shutting down");
      }
    } else {
      commit = pfs.inspectCommit(request.getCommit());
    }
    reply(response, Protos.commit(commit));
  }

  @Override
  public void listCommit(ListCommitRequest request, StreamObserver<CommitInfo> response) {
    Streams.send(response, pfs.listCommits(request.getRepo(), request.getBranch(), request.getLimit())
        .stream()
        .map(Protos::commit));
  }

  @Override
  public StreamObserver<ModifyFileRequest> modifyFile(StreamObserver<CommitInfo> response) {
    // Ask for upload messages in batches: one request(1) per message costs a task on the
    // transport thread each, which dominates when every message is a small file.
    ServerCallStreamObserver<CommitInfo> call = (ServerCallStreamObserver<CommitInfo>) response;
    call.disableAutoRequest();
    call.request(UPLOAD_WINDOW);
    return new StreamObserver<>() {
      private Modification modification;
      private byte[] scratch;
      private boolean failed;
      private int received;

      @Override
      public void onNext(ModifyFileRequest request) {
        if (++received % (UPLOAD_WINDOW / 2) == 0) {
          call.request(UPLOAD_WINDOW / 2);
        }
        if (failed) {
          return;
        }
        try {
          apply(request);
        } catch (IOException | RuntimeException e) {
          fail(e);
        }
      }

      @Override
      public void onError(Throwable t) {
        // The client went away mid-upload: nothing of this batch is applied.
        LOG.debug("ModifyFile abandoned by its client: {}", t.toString());
        modification = null;
      }

      @Override
      public void onCompleted() {
        if (failed) {
          return;
        }
        try {
          if (modification == null) {
            throw new PfsException(ErrorCode.INVALID_ARGUMENT, "ModifyFile needs a target first");
          }
          CommitInfo info = Protos.commit(modification.commit());
          response.onNext(info);
          response.onCompleted();
        } catch (IOException | RuntimeException e) {
          fail(e);
        }
      }

      private void apply(ModifyFileRequest request) throws IOException {
        if (request.hasTarget()) {
          if (modification != null) {
            throw new PfsException(ErrorCode.INVALID_ARGUMENT, "ModifyFile target sent twice");
          }
          modification = pfs.modify(
              request.getTarget().getRepo(),
              request.getTarget().getBranch().isEmpty() ? Ref.DEFAULT_BRANCH : request.getTarget().getBranch(),
              request.getTarget().getDescription());
          return;
        }
        if (modification == null) {
          throw new PfsException(
              ErrorCode.INVALID_ARGUMENT, "ModifyFile's first message must name the target");
        }
        switch (request.getOpCase()) {
          case PUT -> {
            modification.put(request.getPut().getPath());
            write(request.getPut().getData());
          }
          case DATA -> write(request.getData());
          case PUT_FILES -> {
            for (PutFile file : request.getPutFiles().getFilesList()) {
              modification.put(file.getPath());
              write(file.getData());
            }
          }
          case DELETE -> modification.delete(request.getDelete().getPath());
          case COPY -> modification.copy(request.getCopy().getSource(), request.getCopy().getPath());
          case MKDIR -> modification.makeDir(request.getMkdir().getPath());
          case PUT_CONTENT -> modification.putContent(
              request.getPutContent().getPath(), Protos.content(request.getPutContent()));
          case PUT_CONTENTS -> {
            for (PutContent put : request.getPutContents().getFilesList()) {
              modification.putContent(put.getPath(), Protos.content(put));
            }
          }
          default -> throw new PfsException(
              ErrorCode.INVALID_ARGUMENT, "Unknown ModifyFile operation " + request.getOpCase());
        }
      }

      /** Copies through one reused buffer: the sink copies anyway, so no array per message. */
      private void write(ByteString data) throws IOException {
        if (data.isEmpty()) {
          return;
        }
        if (scratch == null) {
          scratch = new byte[SCRATCH_BYTES];
        }
        for (int at = 0; at < data.size(); at += scratch.length) {
          int n = Math.min(scratch.length, data.size() - at);
          data.copyTo(scratch, at, 0, n);
          modification.write(scratch, 0, n);
        }
      }

      private void fail(Exception e) {
        failed = true;
        modification = null;
        response.onError(ErrorMappingInterceptor.toStatus("ModifyFile", e));
      }
    };
  }

  @Override
  public void getFile(GetFileRequest request, StreamObserver<GetFileResponse> response) {
    if (request.getOffset() < 0 || request.getLength() < 0) {
      throw new PfsException(ErrorCode.INVALID_ARGUMENT, "Offset and length must not be negative");
    }
    ContentReader reader = pfs.open(pfs.inspectFile(request.getFile()));
    long end = request.getLength() == 0
        ? reader.size()
        : Math.min(reader.size(), request.getOffset() + request.getLength());
    Streams.send(response, pieces(reader, request.getOffset(), end));
  }

  @Override
  public void inspectFile(InspectFileRequest request, StreamObserver<FileInfo> response) {
    Ref.FileRef file = Ref.parseFile(request.getFile());
    CommitRecord commit = pfs.resolve(file.ref());
    reply(response, Protos.file(pfs.lookup(commit, file.path()), commit.id(), request.getWithData()));
  }

  @Override
  public void listFile(ListFileRequest request, StreamObserver<FileInfo> response) {
    Ref.FileRef file = Ref.parseFile(request.getFile());
    CommitRecord commit = pfs.resolve(file.ref());
    pfs.lookup(commit, file.path());
    boolean withData = request.getWithData();
    Streams.send(response, pfs.listFile(commit, file.path()).map(e -> Protos.file(e, commit.id(), withData)));
  }

  @Override
  public void getStore(GetStoreRequest request, StreamObserver<StoreInfo> response) {
    reply(response, StoreInfo.newBuilder().setUrl(storeUrl).build());
  }

  @Override
  public void listFileBatched(ListFileRequest request, StreamObserver<FileInfoBatch> response) {
    Ref.FileRef file = Ref.parseFile(request.getFile());
    CommitRecord commit = pfs.resolve(file.ref());
    pfs.lookup(commit, file.path());
    Stream<FileInfo> entries = pfs.listFile(commit, file.path()).map(e -> Protos.file(e, commit.id()));
    Streams.send(response, batches(entries));
  }

  @Override
  public void globFile(GlobFileRequest request, StreamObserver<FileInfo> response) {
    Ref.FileRef file = Ref.parseFile(request.getPattern());
    CommitRecord commit = pfs.resolve(file.ref());
    Streams.send(response, pfs.globFile(commit, file.path()).map(e -> Protos.file(e, commit.id())));
  }

  @Override
  public void diffFile(DiffFileRequest request, StreamObserver<DiffFileResponse> response) {
    Ref.FileRef newer = Ref.parseFile(request.getNewFile());
    CommitRecord newCommit = pfs.resolve(newer.ref());
    CommitRecord oldCommit = request.getOldFile().isEmpty()
        ? null
        : pfs.resolve(Ref.parseFile(request.getOldFile()).ref());
    String oldId = oldCommit != null ? oldCommit.id() : newCommit.parent() == null ? "" : newCommit.parent();
    Streams.send(response, pfs.diff(newCommit, oldCommit, newer.path()).map(diff -> {
      DiffFileResponse.Builder item = DiffFileResponse.newBuilder();
      if (diff.newer() != null) {
        item.setNewFile(Protos.file(diff.newer(), newCommit.id()));
      }
      if (diff.older() != null) {
        item.setOldFile(Protos.file(diff.older(), oldId));
      }
      return item.build();
    }));
  }

  private RepoInfo repoInfo(RepoRecord repo) {
    return Protos.repo(repo, pfs.repoSize(repo.name()), pfs.listBranches(repo.name()));
  }

  /** Consecutive entries grouped into messages of up to {@link #LIST_BATCH_ENTRIES}, lazily. */
  private static Stream<FileInfoBatch> batches(Stream<FileInfo> entries) {
    Iterator<FileInfo> it = entries.iterator();
    Iterator<FileInfoBatch> batches = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public FileInfoBatch next() {
        if (!it.hasNext()) {
          throw new NoSuchElementException();
        }
        List<FileInfo> files = new ArrayList<>(Math.min(LIST_BATCH_ENTRIES, 64));
        int bytes = 0;
        while (it.hasNext() && files.size() < LIST_BATCH_ENTRIES && bytes < LIST_BATCH_BYTES) {
          FileInfo file = it.next();
          bytes += file.getSerializedSize() + 4;
          files.add(file);
        }
        return FileInfoBatch.newBuilder().addAllFiles(files).build();
      }
    };
    Spliterator<FileInfoBatch> split = Spliterators.spliteratorUnknownSize(batches, Spliterator.ORDERED);
    return StreamSupport.stream(split, false).onClose(entries::close);
  }

  /**
   * A file's bytes from {@code start} to {@code end} as messages of up to 1 MiB, read lazily. Each
   * message wraps a slice of a cached, verified chunk without copying it: chunk arrays are never
   * changed, and the message keeps its array alive if the cache evicts it meanwhile.
   */
  private static Stream<GetFileResponse> pieces(ContentReader reader, long start, long end) {
    Spliterator<GetFileResponse> split = new Spliterators.AbstractSpliterator<>(Long.MAX_VALUE, 0) {
      private long position = start;

      @Override
      public boolean tryAdvance(Consumer<? super GetFileResponse> action) {
        if (position >= end) {
          return false;
        }
        try {
          ByteBuffer piece = reader.slice(position, (int) Math.min(DATA_MESSAGE_BYTES, end - position));
          if (!piece.hasRemaining()) {
            return false;
          }
          position += piece.remaining();
          ByteString data = UnsafeByteOperations.unsafeWrap(
              piece.array(), piece.arrayOffset() + piece.position(), piece.remaining());
          action.accept(GetFileResponse.newBuilder().setData(data).build());
          return true;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
    return StreamSupport.stream(split, false);
  }

  private static <T> void reply(StreamObserver<T> response, T message) {
    response.onNext(message);
    response.onCompleted();
  }
}
