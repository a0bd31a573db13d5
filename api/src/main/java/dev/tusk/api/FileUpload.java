package dev.tusk.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.tusk.api.v1.CommitInfo;
import dev.tusk.api.v1.CopyFile;
import dev.tusk.api.v1.DataRef;
import dev.tusk.api.v1.DeleteFile;
import dev.tusk.api.v1.MakeDir;
import dev.tusk.api.v1.ModifyFileRequest;
import dev.tusk.api.v1.ModifyTarget;
import dev.tusk.api.v1.PfsGrpc;
import dev.tusk.api.v1.PutContent;
import dev.tusk.api.v1.PutContents;
import dev.tusk.api.v1.PutFile;
import dev.tusk.api.v1.PutFiles;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One {@code ModifyFile} stream: puts, deletes and copies that the daemon applies as one change
 * when {@link #finish()} is called. Closing an upload that was not finished cancels it, and nothing
 * of it is applied.
 *
 * <p>Sending is flow-controlled: when gRPC has buffered a few MiB that the daemon has not taken
 * yet, the sender waits, so an upload of any size runs in bounded memory. A file goes as a {@code
 * put} carrying up to {@link #MESSAGE_BYTES} of its data, followed by {@code data} messages of that
 * size; a small file is one message, and {@link #putFiles} packs many small files into one. One
 * thread sends; {@link #bytesSent()} may be read from any.
 */
public final class FileUpload implements AutoCloseable {
  /** The most file data one message carries. */
  public static final int MESSAGE_BYTES = 1 << 20;
  /**
   * The most file data one {@code PutFiles} message carries: under half a G1 region of a 1 GiB
   * daemon (1 MiB regions), so that neither end allocates it as a humongous object, each of which
   * can start a concurrent GC cycle.
   */
  public static final int BATCH_BYTES = 256 << 10;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition ready = lock.newCondition();
  private final CompletableFuture<CommitInfo> result = new CompletableFuture<>();
  private ClientCallStreamObserver<ModifyFileRequest> call;
  private volatile Throwable error;
  private volatile long bytesSent;
  private boolean halfClosed;

  FileUpload(PfsGrpc.PfsStub stub, ModifyTarget target) {
    stub.modifyFile(new ClientResponseObserver<ModifyFileRequest, CommitInfo>() {
      private CommitInfo info;

      @Override
      public void beforeStart(ClientCallStreamObserver<ModifyFileRequest> requestStream) {
        call = requestStream;
        requestStream.setOnReadyHandler(FileUpload.this::wake);
      }

      @Override
      public void onNext(CommitInfo value) {
        info = value;
      }

      @Override
      public void onError(Throwable t) {
        error = t;
        result.completeExceptionally(t);
        wake();
      }

      @Override
      public void onCompleted() {
        result.complete(info);
        wake();
      }
    });
    send(ModifyFileRequest.newBuilder().setTarget(target).build());
  }

  /** Puts a whole file whose bytes are in hand; more than {@link #MESSAGE_BYTES} go in pieces. */
  public FileUpload put(String path, ByteString data) {
    int first = Math.min(data.size(), MESSAGE_BYTES);
    sendPut(path, data.substring(0, first));
    for (int at = first; at < data.size(); at += MESSAGE_BYTES) {
      sendData(data.substring(at, Math.min(data.size(), at + MESSAGE_BYTES)));
    }
    return this;
  }

  /** A whole file for {@link #putFiles}: its path and all its bytes. */
  public record WholeFile(String path, ByteString data) {
    public WholeFile {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(data, "data");
    }
  }

  /**
   * Puts whole files in order, as {@link #put(String, ByteString)} each would, but many to a
   * message (up to about {@link #BATCH_BYTES} of data): for many small files this saves the
   * per-message cost on both ends, which otherwise bounds an upload to a few thousand files a
   * second. A file over half of {@link #BATCH_BYTES} goes on its own as by {@code put}.
   */
  public FileUpload putFiles(List<WholeFile> files) {
    PutFiles.Builder batch = PutFiles.newBuilder();
    long batchBytes = 0;
    for (WholeFile file : files) {
      int size = file.data().size();
      if (size > BATCH_BYTES / 2) {
        batchBytes = sendBatch(batch, batchBytes);
        put(file.path(), file.data());
        continue;
      }
      if (batchBytes + size > BATCH_BYTES) {
        batchBytes = sendBatch(batch, batchBytes);
      }
      batch.addFiles(PutFile.newBuilder().setPath(file.path()).setData(file.data()));
      batchBytes += size;
    }
    sendBatch(batch, batchBytes);
    return this;
  }

  /**
   * Puts a whole file from an array, without copying it: the array must not change afterwards.
   */
  public FileUpload put(String path, byte[] data) {
    return put(path, UnsafeByteOperations.unsafeWrap(data));
  }

  /**
   * Puts a file with the bytes of a stream, read to its end (the caller closes it).
   *
   * @param sizeHint the expected size, or -1 when unknown: sizes buffers so that a small file is
   *     read with one small allocation
   * @return the number of bytes put
   */
  public long put(String path, InputStream in, long sizeHint) throws IOException {
    int capacity = sizeHint < 0 || sizeHint >= MESSAGE_BYTES ? MESSAGE_BYTES : (int) sizeHint + 1;
    byte[] buffer = new byte[capacity];
    int n = readFully(in, buffer);
    sendPut(path, UnsafeByteOperations.unsafeWrap(buffer, 0, n));
    long total = n;
    while (n == buffer.length) {
      buffer = new byte[MESSAGE_BYTES]; // not reused: gRPC may still hold the last one
      n = readFully(in, buffer);
      if (n == 0) {
        break;
      }
      sendData(UnsafeByteOperations.unsafeWrap(buffer, 0, n));
      total += n;
    }
    return total;
  }

  /** Removes a file, or a directory with everything under it. */
  public FileUpload delete(String path) {
    send(ModifyFileRequest.newBuilder().setDelete(DeleteFile.newBuilder().setPath(path)).build());
    return this;
  }

  /** Creates an empty directory and its parents; one that exists stays as it is. */
  public FileUpload makeDir(String path) {
    send(ModifyFileRequest.newBuilder().setMkdir(MakeDir.newBuilder().setPath(path)).build());
    return this;
  }

  /**
   * Puts a file whose chunks this client already stored durably in the daemon's object store (see
   * {@link TuskClient#getStore()}): only the references travel.
   */
  public FileUpload putContent(String path, String hash, long size, Iterable<DataRef> data) {
    send(ModifyFileRequest.newBuilder()
        .setPutContent(PutContent.newBuilder().setPath(path).setHash(hash).setSizeBytes(size).addAllData(data))
        .build());
    return this;
  }

  /**
   * Puts many files whose chunks this client stored durably itself, as {@link #putContent} each
   * would, but many to a message (up to about {@link #BATCH_BYTES} of references each).
   */
  public FileUpload putContents(List<PutContent> files) {
    PutContents.Builder batch = PutContents.newBuilder();
    int batchBytes = 0;
    for (PutContent file : files) {
      int size = file.getSerializedSize() + 4;
      if (batchBytes + size > BATCH_BYTES && batch.getFilesCount() > 0) {
        send(ModifyFileRequest.newBuilder().setPutContents(batch).build());
        batch.clear();
        batchBytes = 0;
      }
      batch.addFiles(file);
      batchBytes += size;
    }
    if (batch.getFilesCount() > 0) {
      send(ModifyFileRequest.newBuilder().setPutContents(batch).build());
    }
    return this;
  }

  /** Copies {@code source} ({@code repo@ref:/path}) to {@code path} by reference. */
  public FileUpload copy(String source, String path) {
    send(ModifyFileRequest.newBuilder()
        .setCopy(CopyFile.newBuilder().setSource(source).setPath(path))
        .build());
    return this;
  }

  /** File data sent so far; safe to read from another thread (a progress display). */
  public long bytesSent() {
    return bytesSent;
  }

  /** Ends the stream and waits for the daemon to apply it: the commit the change went into. */
  public CommitInfo finish() {
    checkOpen();
    halfClosed = true;
    call.onCompleted();
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TuskException(ErrorCode.OUTCOME_UNKNOWN, "Interrupted while the daemon applied the change", e);
    } catch (ExecutionException e) {
      throw failure(e.getCause());
    }
  }

  /** Cancels the upload unless it was finished. */
  @Override
  public void close() {
    if (!halfClosed) {
      halfClosed = true;
      call.cancel("The upload was abandoned", null);
    }
  }

  private void sendPut(String path, ByteString data) {
    send(ModifyFileRequest.newBuilder().setPut(PutFile.newBuilder().setPath(path).setData(data)).build());
    bytesSent += data.size();
  }

  /** Sends the batch if it holds any file and empties it; returns 0, its new size in bytes. */
  private long sendBatch(PutFiles.Builder batch, long bytes) {
    if (batch.getFilesCount() > 0) {
      send(ModifyFileRequest.newBuilder().setPutFiles(batch).build());
      bytesSent += bytes;
      batch.clear();
    }
    return 0;
  }

  private void sendData(ByteString data) {
    send(ModifyFileRequest.newBuilder().setData(data).build());
    bytesSent += data.size();
  }

  private void send(ModifyFileRequest request) {
    checkOpen();
    if (!call.isReady() && !result.isDone()) {
      awaitReady();
    }
    if (result.isDone()) {
      // The daemon ended the call early: that is always a failure, reported here.
      halfClosed = true;
      Throwable cause = error;
      throw failure(cause != null
          ? cause
          : Status.INTERNAL.withDescription("The daemon ended the upload early").asRuntimeException());
    }
    call.onNext(request);
  }

  private void awaitReady() {
    lock.lock();
    try {
      while (!call.isReady() && !result.isDone()) {
        // The timeout guards against a lost wake-up; onReady normally signals at once.
        ready.await(100, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new TuskException(ErrorCode.OUTCOME_UNKNOWN, "Interrupted while uploading", e);
    } finally {
      lock.unlock();
    }
  }

  private void wake() {
    lock.lock();
    try {
      ready.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void checkOpen() {
    if (halfClosed) {
      throw new IllegalStateException("The upload is already finished or closed");
    }
  }

  private static TuskException failure(Throwable t) {
    if (t instanceof TuskException tusk) {
      return tusk;
    }
    StatusRuntimeException status = t instanceof StatusRuntimeException s
        ? s
        : Status.fromThrowable(t).asRuntimeException(Status.trailersFromThrowable(t));
    return TuskException.fromStatus(status);
  }

  private static int readFully(InputStream in, byte[] buffer) throws IOException {
    int n = 0;
    while (n < buffer.length) {
      int r = in.read(buffer, n, buffer.length - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    return n;
  }
}
