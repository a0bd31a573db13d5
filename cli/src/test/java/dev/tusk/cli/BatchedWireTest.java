package dev.tusk.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.tusk.api.FileUpload;
import dev.tusk.api.TuskClient;
import dev.tusk.api.v1.FileInfo;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The batched messages against a real daemon over Netty: many small files per ModifyFile message,
 * listings many entries per message, and file reads written from the transport's buffers.
 */
class BatchedWireTest extends DaemonTestSupport {
  private ManagedChannel channel;
  private TuskClient client;

  @BeforeEach
  void connect() {
    int colon = address.lastIndexOf(':');
    channel = NettyChannelBuilder.forAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
        .usePlaintext()
        .maxInboundMessageSize(16 << 20)
        .build();
    client = new TuskClient(channel);
  }

  @AfterEach
  void disconnect() throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
  }

  private static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  private byte[] get(String file, long offset, long length) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long n = client.getFile(file, offset, length, Channels.newChannel(out));
    assertThat(n).isEqualTo(out.size());
    return out.toByteArray();
  }

  @Test
  void batchedPutsLandLikeSinglePutsAndInOrderWithOtherOperations() throws Exception {
    client.createRepo("batched", "", false);
    List<FileUpload.WholeFile> files = new ArrayList<>();
    for (int i = 0; i < 2500; i++) {
      files.add(new FileUpload.WholeFile(
          String.format(Locale.ROOT, "/d/f%05d", i), ByteString.copyFrom(random(300 + i % 700, i))));
    }
    byte[] large = random(3 << 20, 77);
    files.add(1200, new FileUpload.WholeFile("/d/large", ByteString.copyFrom(large)));
    try (FileUpload upload = client.modifyFile("batched", "master", "many")) {
      upload.put("/d/f00007", ByteString.copyFromUtf8("replaced by the batch"));
      upload.putFiles(files);
      upload.delete("/d/f00003");
      upload.putFiles(List.of(new FileUpload.WholeFile("/d/f00004", ByteString.copyFromUtf8("again"))));
      upload.finish();
    }

    List<String> paths;
    try (Stream<FileInfo> listing = client.listFileBatched("batched@master:/d")) {
      paths = listing.map(FileInfo::getPath).toList();
    }
    assertThat(paths).hasSize(2500).doesNotContain("/d/f00003").contains("/d/large");
    assertThat(get("batched@master:/d/f00007", 0, 0)).isEqualTo(random(300 + 7, 7));
    assertThat(get("batched@master:/d/f02499", 0, 0)).isEqualTo(random(300 + 2499 % 700, 2499));
    assertThat(new String(get("batched@master:/d/f00004", 0, 0))).isEqualTo("again");
    assertThat(get("batched@master:/d/large", 0, 0)).isEqualTo(large);
  }

  @Test
  void aBatchedListingHasTheSameEntriesInTheSameOrderAsTheUnbatchedOne() throws Exception {
    client.createRepo("listing", "", false);
    List<FileUpload.WholeFile> files = new ArrayList<>();
    for (int i = 0; i < 3100; i++) {
      files.add(new FileUpload.WholeFile("/x/" + Integer.toString(i * 7919 % 3100, 36), ByteString.copyFromUtf8("" + i)));
    }
    files.add(new FileUpload.WholeFile("/x/sub/y", ByteString.copyFromUtf8("y")));
    try (FileUpload upload = client.modifyFile("listing", "master", "")) {
      upload.putFiles(files);
      upload.finish();
    }

    List<FileInfo> plain;
    List<FileInfo> batched;
    try (Stream<FileInfo> listing = client.listFile("listing@master:/x")) {
      plain = listing.toList();
    }
    try (Stream<FileInfo> listing = client.listFileBatched("listing@master:/x")) {
      batched = listing.toList();
    }

    assertThat(plain).hasSize(3101);
    assertThat(batched).isEqualTo(plain);
  }

  @Test
  void aFileWrittenToAChannelIsByteForByteAlsoInRangesAcrossChunks() throws Exception {
    client.createRepo("reads", "", false);
    byte[] data = random(5 << 20, 11);
    try (FileUpload upload = client.modifyFile("reads", "master", "")) {
      upload.put("/big", data);
      upload.finish();
    }

    assertThat(get("reads@master:/big", 0, 0)).isEqualTo(data);
    int from = (1 << 20) - 17;
    int length = (3 << 20) + 5;
    assertThat(get("reads@master:/big", from, length)).isEqualTo(Arrays.copyOfRange(data, from, from + length));
    assertThat(get("reads@master:/big", data.length - 3, 100)).isEqualTo(Arrays.copyOfRange(data, data.length - 3, data.length));
  }

  @Test
  void aFailingChannelCancelsTheReadAndTheClientStillWorks() throws Exception {
    client.createRepo("failing", "", false);
    byte[] data = random(4 << 20, 12);
    try (FileUpload upload = client.modifyFile("failing", "master", "")) {
      upload.put("/big", data);
      upload.finish();
    }
    WritableByteChannel broken = new WritableByteChannel() {
      private long taken;

      @Override
      public int write(ByteBuffer src) throws IOException {
        if (taken > (1 << 20)) {
          throw new IOException("disk full");
        }
        int n = src.remaining();
        src.position(src.limit());
        taken += n;
        return n;
      }

      @Override
      public boolean isOpen() {
        return true;
      }

      @Override
      public void close() {}
    };

    assertThatThrownBy(() -> client.getFile("failing@master:/big", 0, 0, broken))
        .isInstanceOf(IOException.class)
        .hasMessage("disk full");
    assertThat(get("failing@master:/big", 0, 0)).isEqualTo(data);
  }
}
