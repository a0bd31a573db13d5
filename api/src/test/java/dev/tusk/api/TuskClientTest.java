package dev.tusk.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.tusk.api.v1.CommitInfo;
import dev.tusk.api.v1.FileInfo;
import dev.tusk.api.v1.ModifyFileRequest;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
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
}
