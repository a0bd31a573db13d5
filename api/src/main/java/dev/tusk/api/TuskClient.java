package dev.tusk.api;

import com.google.protobuf.ByteString;
import dev.tusk.api.v1.BranchInfo;
import dev.tusk.api.v1.BranchRef;
import dev.tusk.api.v1.CommitInfo;
import dev.tusk.api.v1.CreateBranchRequest;
import dev.tusk.api.v1.CreateRepoRequest;
import dev.tusk.api.v1.DeleteBranchRequest;
import dev.tusk.api.v1.DeleteRepoRequest;
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
import dev.tusk.api.v1.ModifyTarget;
import dev.tusk.api.v1.PfsGrpc;
import dev.tusk.api.v1.RepoInfo;
import dev.tusk.api.v1.StartCommitRequest;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A small typed client for the {@code tusk.v1.Pfs} service over any gRPC {@link Channel}; the
 * caller creates and closes the channel.
 *
 * <p>Every failure the daemon reports, and a daemon that cannot be reached, surfaces as a {@link
 * TuskException} with its {@link ErrorCode}. Listings and file reads are lazy {@link Stream}s that
 * pull messages from the daemon only as fast as they are consumed; close them (try-with-resources)
 * to cancel a call before its end. Writes go through a {@link FileUpload}.
 */
public final class TuskClient {
  /** Listing messages requested ahead of the consumer: small ones, so many. */
  private static final int LIST_WINDOW = 1024;
  /** Listing batches (up to 1,000 entries each) requested ahead of the consumer. */
  private static final int BATCH_WINDOW = 8;
  /** File pieces (up to 1 MiB each) requested ahead of the consumer. */
  private static final int DATA_WINDOW = 4;
  /** Bytes an upload may queue in gRPC before the sender waits: large enough for many small files. */
  private static final int UPLOAD_BUFFER_BYTES = 4 << 20;
  /** GetFile with its responses left in the transport's buffers. */
  private static final MethodDescriptor<GetFileRequest, RawFilePiece> GET_FILE_RAW = PfsGrpc.getGetFileMethod()
      .toBuilder(PfsGrpc.getGetFileMethod().getRequestMarshaller(), RawFilePiece.marshaller())
      .build();

  /** ListFileBatched with each response left as its wire bytes. */
  private static final MethodDescriptor<ListFileRequest, byte[]> LIST_FILE_BATCHED_WIRE =
      PfsGrpc.getListFileBatchedMethod()
          .toBuilder(PfsGrpc.getListFileBatchedMethod().getRequestMarshaller(), WireBytes.MARSHALLER)
          .build();

  private final Channel channel;
  private final PfsGrpc.PfsBlockingStub blocking;
  private final PfsGrpc.PfsStub async;

  public TuskClient(Channel channel) {
    // Callbacks only hand messages over or wake a waiting thread, so they may run on the transport.
    this(
        Objects.requireNonNull(channel, "channel"),
        PfsGrpc.newBlockingStub(channel),
        PfsGrpc.newStub(channel).withExecutor(Runnable::run));
  }

  private TuskClient(Channel channel, PfsGrpc.PfsBlockingStub blocking, PfsGrpc.PfsStub async) {
    this.channel = channel;
    this.blocking = blocking;
    this.async = async;
  }

  /**
   * A client whose calls fail with {@link ErrorCode#OUTCOME_UNKNOWN} once {@code timeout} from now
   * has passed: for probes and scripts that must not wait forever. By default calls have no
   * deadline.
   */
  public TuskClient withDeadlineAfter(Duration timeout) {
    long nanos = timeout.toNanos();
    return new TuskClient(
        channel,
        blocking.withDeadlineAfter(nanos, TimeUnit.NANOSECONDS),
        async.withDeadlineAfter(nanos, TimeUnit.NANOSECONDS));
  }

  /** Pipelines, jobs, datums and logs, on the same connection. */
  public PipelineClient pipelines() {
    return new PipelineClient(channel);
  }

  /** The daemon's address as the channel names it, for messages. */
  public String authority() {
    return channel.authority();
  }

  public RepoInfo createRepo(String name, String description, boolean update) {
    CreateRepoRequest request = CreateRepoRequest.newBuilder()
        .setName(name)
        .setDescription(nullToEmpty(description))
        .setUpdate(update)
        .build();
    return unary(() -> blocking.createRepo(request));
  }

  public RepoInfo inspectRepo(String name) {
    return unary(() -> blocking.inspectRepo(InspectRepoRequest.newBuilder().setName(name).build()));
  }

  public Stream<RepoInfo> listRepo() {
    return stream(ListRepoRequest.getDefaultInstance(), async::listRepo, LIST_WINDOW);
  }

  public void deleteRepo(String name, boolean force) {
    DeleteRepoRequest request = DeleteRepoRequest.newBuilder().setName(name).setForce(force).build();
    unary(() -> blocking.deleteRepo(request));
  }

  /**
   * Creates or moves a branch.
   *
   * @param head a ref to point it at ({@code repo@branch}, {@code repo@id}, {@code repo@b^2}), or
   *     empty for none
   */
  public BranchInfo createBranch(String repo, String name, String head, List<BranchRef> provenance) {
    CreateBranchRequest request = CreateBranchRequest.newBuilder()
        .setRepo(repo)
        .setName(name)
        .setHead(nullToEmpty(head))
        .addAllProvenance(provenance)
        .build();
    return unary(() -> blocking.createBranch(request));
  }

  public BranchInfo inspectBranch(String repo, String name) {
    InspectBranchRequest request = InspectBranchRequest.newBuilder().setRepo(repo).setName(name).build();
    return unary(() -> blocking.inspectBranch(request));
  }

  public Stream<BranchInfo> listBranch(String repo) {
    return stream(ListBranchRequest.newBuilder().setRepo(repo).build(), async::listBranch, LIST_WINDOW);
  }

  public void deleteBranch(String repo, String name) {
    DeleteBranchRequest request = DeleteBranchRequest.newBuilder().setRepo(repo).setName(name).build();
    unary(() -> blocking.deleteBranch(request));
  }

  /**
   * Opens a commit on a branch.
   *
   * @param parent a ref for the parent, or empty for the branch head
   */
  public CommitInfo startCommit(String repo, String branch, String parent, String description) {
    StartCommitRequest request = StartCommitRequest.newBuilder()
        .setRepo(repo)
        .setBranch(branch)
        .setParent(nullToEmpty(parent))
        .setDescription(nullToEmpty(description))
        .build();
    return unary(() -> blocking.startCommit(request));
  }

  /**
   * Finishes a commit.
   *
   * @param commit {@code repo@branch} (its open commit) or {@code repo@id}
   * @param description a new description, or empty to keep the old one
   */
  public CommitInfo finishCommit(String commit, String description) {
    FinishCommitRequest request = FinishCommitRequest.newBuilder()
        .setCommit(commit)
        .setDescription(nullToEmpty(description))
        .build();
    return unary(() -> blocking.finishCommit(request));
  }

  /** A commit by ref; with {@code wait}, answers only once it is finished. */
  public CommitInfo inspectCommit(String commit, boolean wait) {
    InspectCommitRequest request = InspectCommitRequest.newBuilder().setCommit(commit).setWait(wait).build();
    return unary(() -> blocking.inspectCommit(request));
  }

  /**
   * Commits, newest first.
   *
   * @param branch only this branch's history, or empty for all commits of the repo
   * @param limit at most this many, or 0 for all
   */
  public Stream<CommitInfo> listCommit(String repo, String branch, long limit) {
    ListCommitRequest request = ListCommitRequest.newBuilder()
        .setRepo(repo)
        .setBranch(nullToEmpty(branch))
        .setLimit(limit)
        .build();
    return stream(request, async::listCommit, LIST_WINDOW);
  }

  /**
   * Starts a change to a branch: into its open commit if there is one, otherwise a commit of its
   * own once {@link FileUpload#finish()} is called.
   */
  public FileUpload modifyFile(String repo, String branch, String description) {
    ModifyTarget target = ModifyTarget.newBuilder()
        .setRepo(repo)
        .setBranch(nullToEmpty(branch))
        .setDescription(nullToEmpty(description))
        .build();
    return new FileUpload(async.withOnReadyThreshold(UPLOAD_BUFFER_BYTES), target);
  }

  /**
   * A file's bytes in pieces of up to 1 MiB.
   *
   * @param file {@code repo@ref:/path}
   * @param length how many bytes from {@code offset}, or 0 for all
   */
  public Stream<ByteString> getFile(String file, long offset, long length) {
    GetFileRequest request = GetFileRequest.newBuilder()
        .setFile(file)
        .setOffset(offset)
        .setLength(length)
        .build();
    BiConsumer<GetFileRequest, StreamObserver<GetFileResponse>> method = async::getFile;
    return stream(request, method, DATA_WINDOW).map(GetFileResponse::getData);
  }

  /**
   * Writes a file's bytes to {@code out} as they arrive, straight from the transport's buffers: no
   * copy on the heap, unlike {@link #getFile(String, long, long)}. For large files.
   *
   * @param file {@code repo@ref:/path}
   * @param length how many bytes from {@code offset}, or 0 for all
   * @return the number of bytes written
   * @throws IOException when {@code out} fails (the call is then cancelled)
   */
  public long getFile(String file, long offset, long length, WritableByteChannel out) throws IOException {
    GetFileRequest request = GetFileRequest.newBuilder()
        .setFile(file)
        .setOffset(offset)
        .setLength(length)
        .build();
    ResponseIterator<GetFileRequest, RawFilePiece> pieces =
        new ResponseIterator<>(DATA_WINDOW, RawFilePiece::close);
    ClientCalls.asyncServerStreamingCall(
        async.getChannel().newCall(GET_FILE_RAW, async.getCallOptions()), request, pieces);
    boolean complete = false;
    try {
      long total = 0;
      while (pieces.hasNext()) {
        try (RawFilePiece piece = pieces.next()) {
          total += piece.writeTo(out);
        }
      }
      complete = true;
      return total;
    } finally {
      if (!complete) {
        pieces.cancel();
      }
    }
  }

  public FileInfo inspectFile(String file) {
    return inspectFile(file, false);
  }

  /** A file or directory; with {@code withData}, a file's data refs too (see {@link #getStore()}). */
  public FileInfo inspectFile(String file, boolean withData) {
    InspectFileRequest request =
        InspectFileRequest.newBuilder().setFile(file).setWithData(withData).build();
    return unary(() -> blocking.inspectFile(request));
  }

  /** The entries of a directory ({@code repo@ref:/dir}) in name order, or the file itself. */
  public Stream<FileInfo> listFile(String file) {
    return listFile(file, false);
  }

  /** As {@link #listFile(String)}; with {@code withData}, each file's data refs too. */
  public Stream<FileInfo> listFile(String file, boolean withData) {
    ListFileRequest request = ListFileRequest.newBuilder().setFile(file).setWithData(withData).build();
    return stream(request, async::listFile, LIST_WINDOW);
  }

  /** The object store URL the daemon keeps its chunks in. */
  public String getStore() {
    return unary(() -> blocking.getStore(GetStoreRequest.getDefaultInstance())).getUrl();
  }

  /**
   * The same entries as {@link #listFile}, fetched up to 1,000 to a message (ListFileBatched): for
   * large directories, where one message per entry costs more than the entries themselves.
   */
  public Stream<FileInfo> listFileBatched(String file) {
    Stream<FileInfoBatch> batches = stream(
        ListFileRequest.newBuilder().setFile(file).build(), async::listFileBatched, BATCH_WINDOW);
    Iterator<FileInfoBatch> outer = batches.iterator();
    Iterator<FileInfo> flat = new Iterator<>() {
      private Iterator<FileInfo> inner = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!inner.hasNext()) {
          if (!outer.hasNext()) {
            return false;
          }
          inner = outer.next().getFilesList().iterator();
        }
        return true;
      }

      @Override
      public FileInfo next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return inner.next();
      }
    };
    Spliterator<FileInfo> split = Spliterators.spliteratorUnknownSize(
        flat, Spliterator.ORDERED | Spliterator.NONNULL);
    return StreamSupport.stream(split, false).onClose(batches::close);
  }

  /**
   * The same listing as {@link #listFileBatched}, each element the serialized bytes of one {@code
   * FileInfoBatch} as it came off the wire: for clients that format entries straight from them (the
   * CLI's {@code -o json}), skipping the objects, strings and copies that parsing makes for each
   * entry.
   */
  public Stream<byte[]> listFileBatchedWire(String file) {
    ListFileRequest request = ListFileRequest.newBuilder().setFile(file).build();
    ResponseIterator<ListFileRequest, byte[]> responses = new ResponseIterator<>(BATCH_WINDOW);
    ClientCalls.asyncServerStreamingCall(
        async.getChannel().newCall(LIST_FILE_BATCHED_WIRE, async.getCallOptions()), request, responses);
    Spliterator<byte[]> split = Spliterators.spliteratorUnknownSize(
        responses, Spliterator.ORDERED | Spliterator.NONNULL);
    return StreamSupport.stream(split, false).onClose(responses::cancel);
  }

  /** The files and directories matching {@code repo@ref:PATTERN}. */
  public Stream<FileInfo> globFile(String pattern) {
    return stream(GlobFileRequest.newBuilder().setPattern(pattern).build(), async::globFile, LIST_WINDOW);
  }

  /**
   * What changed between two commits, in path order.
   *
   * @param oldFile {@code repo@ref[:/path]} to compare with, or empty for the new commit's parent
   */
  public Stream<DiffFileResponse> diffFile(String newFile, String oldFile) {
    DiffFileRequest request = DiffFileRequest.newBuilder()
        .setNewFile(newFile)
        .setOldFile(nullToEmpty(oldFile))
        .build();
    return stream(request, async::diffFile, LIST_WINDOW);
  }

  static <T> T unary(Supplier<T> rpc) {
    try {
      return rpc.get();
    } catch (StatusRuntimeException e) {
      throw TuskException.fromStatus(e);
    }
  }

  static <Q, R> Stream<R> stream(
      Q request, BiConsumer<Q, StreamObserver<R>> method, int window) {
    ResponseIterator<Q, R> responses = new ResponseIterator<>(window);
    method.accept(request, responses);
    Spliterator<R> split = Spliterators.spliteratorUnknownSize(
        responses, Spliterator.ORDERED | Spliterator.NONNULL);
    return StreamSupport.stream(split, false).onClose(responses::cancel);
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
