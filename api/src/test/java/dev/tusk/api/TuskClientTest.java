package dev.tusk.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.tusk.api.v1.CommitInfo;
import dev.tusk.api.v1.FileInfo;
import dev.tusk.api.v1.FileInfoBatch;
import dev.tusk.api.v1.GetFileResponse;
import dev.tusk.api.v1.ModifyFileRequest;
import dev.tusk.api.v1.PutFile;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class TuskClientTest {
  private final FakeChannel channel = new FakeChannel();
  private final TuskClient client = new TuskClient(channel);

  private static Metadata trailer(ErrorCode code) {
    Metadata trailers = new Metadata();
    trailers.put(ErrorCode.TRAILER, code.name());
    return trailers;
  }

  private static List<Object> files(int n) {
    List<Object> files = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      files.add(FileInfo.newBuilder().setPath("/f" + i).build());
    }
    return files;
  }

  @Test
  void aUnaryFailureBecomesATuskExceptionWithTheTrailersCode() {
    channel.script(List.of(), Status.NOT_FOUND.withDescription("Repo 'x' not found"),
        trailer(ErrorCode.REPO_NOT_FOUND));

    assertThatThrownBy(() -> client.inspectRepo("x"))
        .isInstanceOfSatisfying(TuskException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.REPO_NOT_FOUND);
          assertThat(e.getMessage()).isEqualTo("Repo 'x' not found");
        });
  }

  @Test
  void aStreamDeliversItsMessagesThenItsFailure() {
    channel.script(files(3), Status.INTERNAL.withDescription("broken"), trailer(ErrorCode.INTERNAL));
    List<String> seen = new ArrayList<>();

    try (Stream<FileInfo> listing = client.listFile("r@master")) {
      Iterator<FileInfo> it = listing.iterator();
      assertThatThrownBy(() -> it.forEachRemaining(f -> seen.add(f.getPath())))
          .isInstanceOfSatisfying(TuskException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL));
    }

    assertThat(seen).containsExactly("/f0", "/f1", "/f2");
  }

  @Test
  void aStreamAsksForMessagesInBoundedWindows() {
    FakeChannel.FakeCall call = channel.script(files(5000), Status.OK, new Metadata());
    int consumed = 0;
    int mostAhead = 0;

    try (Stream<FileInfo> listing = client.listFile("r@master")) {
      Iterator<FileInfo> it = listing.iterator();
      while (it.hasNext()) {
        it.next();
        consumed++;
        mostAhead = Math.max(mostAhead, call.totalRequested() - consumed);
      }
    }

    assertThat(consumed).isEqualTo(5000);
    assertThat(mostAhead).isLessThanOrEqualTo(1024);
    assertThat(call.requests.size()).isLessThan(20); // in batches, not one by one
  }

  @Test
  void closingAStreamEarlyCancelsTheCall() {
    FakeChannel.FakeCall call = channel.script(files(10), Status.OK, new Metadata());

    try (Stream<FileInfo> listing = client.listFile("r@master")) {
      assertThat(listing.iterator().next().getPath()).isEqualTo("/f0");
    }

    assertThat(call.cancelled).isTrue();
  }

  @Test
  void anUploadSendsSmallFilesWholeAndLargeOnesInMegabytePieces() throws Exception {
    CommitInfo commit = CommitInfo.newBuilder().setId("c".repeat(32)).build();
    FakeChannel.FakeCall call = channel.script(List.of(commit), Status.OK, new Metadata());
    byte[] large = new byte[FileUpload.MESSAGE_BYTES * 2 + 100];

    CommitInfo result;
    try (FileUpload upload = client.modifyFile("r", "master", "")) {
      upload.put("/small", new ByteArrayInputStream(new byte[4096]), 4096);
      upload.put("/large", new ByteArrayInputStream(large), large.length);
      upload.delete("/old");
      assertThat(upload.bytesSent()).isEqualTo(4096 + large.length);
      result = upload.finish();
    }

    assertThat(result).isEqualTo(commit);
    assertThat(call.sent).extracting(m -> ((ModifyFileRequest) m).getOpCase().name()).containsExactly(
        "TARGET", "PUT", "PUT", "DATA", "DATA", "DELETE");
    ModifyFileRequest firstLarge = (ModifyFileRequest) call.sent.get(2);
    assertThat(firstLarge.getPut().getData().size()).isEqualTo(FileUpload.MESSAGE_BYTES);
    assertThat(((ModifyFileRequest) call.sent.get(4)).getData().size()).isEqualTo(100);
  }

  @Test
  void anUploadWaitsWhileTheTransportIsNotReady() throws Exception {
    FakeChannel.FakeCall call = channel.script(List.of(CommitInfo.getDefaultInstance()), Status.OK, new Metadata());
    FileUpload upload = client.modifyFile("r", "master", "");
    call.ready = false;

    CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> upload.put("/f", ByteString.copyFromUtf8("x")));
    Thread.sleep(200);
    assertThat(sending).isNotDone();
    assertThat(call.sent).hasSize(1); // the target only

    call.becomeReady();
    sending.get(5, TimeUnit.SECONDS);
    assertThat(call.sent).hasSize(2);
    upload.finish();
  }

  @Test
  void anUploadTheDaemonRefusedFailsOnTheNextSendWithTheDaemonsError() {
    channel.script(List.of(), Status.NOT_FOUND.withDescription("Repo 'r' not found"),
        trailer(ErrorCode.REPO_NOT_FOUND));
    FileUpload upload = client.modifyFile("r", "master", "");

    assertThatThrownBy(upload::finish)
        .isInstanceOfSatisfying(TuskException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.REPO_NOT_FOUND);
          assertThat(e.getMessage()).isEqualTo("Repo 'r' not found");
        });
  }

  @Test
  void anAbandonedUploadIsCancelled() {
    FakeChannel.FakeCall call = channel.script(List.of(), Status.OK, new Metadata());

    try (FileUpload upload = client.modifyFile("r", "master", "")) {
      upload.put("/f", ByteString.copyFromUtf8("x"));
    }

    assertThat(call.cancelled).isTrue();
    assertThat(call.halfClosed).isFalse();
  }

  @Test
  void putFilesPacksSmallFilesIntoMessagesOfAtMostBatchBytesInOrder() throws Exception {
    FakeChannel.FakeCall call = channel.script(List.of(CommitInfo.getDefaultInstance()), Status.OK, new Metadata());
    List<FileUpload.WholeFile> files = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      files.add(new FileUpload.WholeFile("/a" + i, ByteString.copyFrom(new byte[4096])));
    }
    byte[] large = new byte[FileUpload.BATCH_BYTES / 2 + 1];
    files.add(new FileUpload.WholeFile("/large", ByteString.copyFrom(large)));
    for (int i = 0; i < 10; i++) {
      files.add(new FileUpload.WholeFile("/b" + i, ByteString.copyFromUtf8("b" + i)));
    }

    try (FileUpload upload = client.modifyFile("r", "master", "")) {
      upload.putFiles(files);
      upload.delete("/old");
      assertThat(upload.bytesSent()).isEqualTo(300 * 4096L + large.length + 20);
      upload.finish();
    }

    List<ModifyFileRequest> sent = call.sent.stream().map(m -> (ModifyFileRequest) m).toList();
    assertThat(sent).extracting(m -> m.getOpCase().name()).containsExactly(
        "TARGET", "PUT_FILES", "PUT_FILES", "PUT_FILES", "PUT_FILES", "PUT_FILES", "PUT", "PUT_FILES", "DELETE");
    assertThat(sent.get(1).getPutFiles().getFilesCount()).isEqualTo(FileUpload.BATCH_BYTES / 4096);
    assertThat(sent.get(1).getPutFiles().getSerializedSize()).isLessThan(FileUpload.BATCH_BYTES + 4096);
    assertThat(sent.get(5).getPutFiles().getFilesCount()).isEqualTo(300 - 4 * (FileUpload.BATCH_BYTES / 4096));
    assertThat(sent.get(6).getPut().getPath()).isEqualTo("/large");
    List<String> paths = new ArrayList<>();
    for (ModifyFileRequest m : sent) {
      if (m.hasPutFiles()) {
        m.getPutFiles().getFilesList().stream().map(PutFile::getPath).forEach(paths::add);
      } else if (m.hasPut()) {
        paths.add(m.getPut().getPath());
      }
    }
    assertThat(paths).isEqualTo(files.stream().map(FileUpload.WholeFile::path).toList());
  }

  @Test
  void aBatchedListingIsTheEntriesOfEveryBatchInOrder() {
    List<Object> batches = new ArrayList<>();
    for (int b = 0; b < 30; b++) {
      FileInfoBatch.Builder batch = FileInfoBatch.newBuilder();
      for (int i = 0; i < 100; i++) {
        batch.addFiles(FileInfo.newBuilder().setPath("/f" + (b * 100 + i)));
      }
      batches.add(batch.build());
    }
    FakeChannel.FakeCall call = channel.script(batches, Status.OK, new Metadata());

    List<String> seen;
    try (Stream<FileInfo> listing = client.listFileBatched("r@master:/")) {
      seen = listing.map(FileInfo::getPath).toList();
    }

    assertThat(seen).hasSize(3000);
    for (int i = 0; i < seen.size(); i++) {
      assertThat(seen.get(i)).isEqualTo("/f" + i);
    }
    assertThat(call.totalRequested()).isLessThanOrEqualTo(30 + 8); // batches, windowed
  }

  @Test
  void closingABatchedListingEarlyCancelsTheCall() {
    FakeChannel.FakeCall call = channel.script(
        List.of(FileInfoBatch.newBuilder().addFiles(FileInfo.newBuilder().setPath("/a")).build(),
            FileInfoBatch.newBuilder().addFiles(FileInfo.newBuilder().setPath("/b")).build()),
        Status.OK, new Metadata());

    try (Stream<FileInfo> listing = client.listFileBatched("r@master:/")) {
      assertThat(listing.iterator().next().getPath()).isEqualTo("/a");
    }

    assertThat(call.cancelled).isTrue();
  }

  @Test
  void aRawFilePieceWritesItsDataAndSkipsOtherFields() throws Exception {
    byte[] data = new byte[70_000];
    new Random(5).nextBytes(data);
    byte[] message = GetFileResponse.newBuilder().setData(ByteString.copyFrom(data)).build().toByteArray();
    // Unknown fields before and after, as a newer daemon might send: field 7 varint, field 9 bytes.
    byte[] before = {(byte) ((7 << 3) | 0), (byte) 0x96, 0x01};
    byte[] after = {(byte) ((9 << 3) | 2), 3, 'x', 'y', 'z'};
    InputStream wire = new SequenceInputStream(
        new ByteArrayInputStream(before),
        new SequenceInputStream(new ByteArrayInputStream(message), new ByteArrayInputStream(after)));
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    long written;
    try (RawFilePiece piece = RawFilePiece.marshaller().parse(wire)) {
      written = piece.writeTo(Channels.newChannel(out));
    }

    assertThat(written).isEqualTo(data.length);
    assertThat(out.toByteArray()).isEqualTo(data);
  }

  @Test
  void aTruncatedRawFilePieceIsAnError() {
    byte[] message = GetFileResponse.newBuilder().setData(ByteString.copyFrom(new byte[1000])).build().toByteArray();
    byte[] truncated = Arrays.copyOf(message, 500);

    try (RawFilePiece piece = RawFilePiece.marshaller().parse(new ByteArrayInputStream(truncated))) {
      assertThatThrownBy(() -> piece.writeTo(Channels.newChannel(new ByteArrayOutputStream())))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("Truncated");
    }
  }
}
