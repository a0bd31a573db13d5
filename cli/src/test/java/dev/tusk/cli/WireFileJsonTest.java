package dev.tusk.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.tusk.api.v1.DataRef;
import dev.tusk.api.v1.FileInfo;
import dev.tusk.api.v1.FileInfoBatch;
import dev.tusk.api.v1.FileType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WireFileJsonTest {
  @Test
  void printsWhatJsonOutputPrintsForAwkwardNames() throws Exception {
    List<String> names = List.of(
        "/plain", "/a\"b", "/back\\slash", "/new\nline", "/tab\tx", "/ctl\u0001z", "/cr\r\b\f",
        "/ünï€", "/emoji\uD83D\uDE00!", "/del\u007f", "/sp ace", "/" + "long".repeat(5000), "");
    List<FileInfo> files = new ArrayList<>();
    long size = 0;
    for (String name : names) {
      files.add(FileInfo.newBuilder()
          .setPath(name)
          .setType(name.startsWith("/d") ? FileType.DIR : FileType.FILE)
          .setSizeBytes(size)
          .setHash("ab".repeat(32))
          .setCommit("0123456789abcdef0123456789abcdef")
          .addData(DataRef.newBuilder().setChunk(ByteString.copyFrom(new byte[32])).setLength(7))
          .build());
      size = size * 10 + 7;
    }
    files.add(FileInfo.getDefaultInstance());

    assertThat(wire(files)).isEqualTo(jackson(files));
  }

  @Test
  void printsManyBatchesInOrder() throws Exception {
    Random random = new Random(1);
    List<FileInfo> files = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      files.add(FileInfo.newBuilder()
          .setPath(String.format("/dir/f%05d", i))
          .setType(random.nextBoolean() ? FileType.DIR : FileType.FILE)
          .setSizeBytes(random.nextLong() & Long.MAX_VALUE)
          .setHash(Long.toHexString(random.nextLong()))
          .setCommit("c")
          .build());
    }

    assertThat(wire(files)).isEqualTo(jackson(files));
  }

  @Test
  void aTruncatedMessageIsAnError() {
    byte[] wire = FileInfoBatch.newBuilder()
        .addFiles(FileInfo.newBuilder().setPath("/x").setHash("h"))
        .build()
        .toByteArray();
    byte[] cut = Arrays.copyOf(wire, wire.length - 1);

    assertThatThrownBy(() -> new WireFileJson(new ByteArrayOutputStream()).batch(cut))
        .hasMessageContaining("malformed");
  }

  /** The lines of batches of 1,000 entries. */
  private static String wire(List<FileInfo> files) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    WireFileJson json = new WireFileJson(out);
    for (int at = 0; at < files.size(); at += 1000) {
      json.batch(FileInfoBatch.newBuilder()
          .addAllFiles(files.subList(at, Math.min(files.size(), at + 1000)))
          .build()
          .toByteArray());
    }
    json.flush();
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String jackson(List<FileInfo> files) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    JsonOutput json = new JsonOutput(out);
    for (FileInfo file : files) {
      json.file(file);
    }
    json.flush();
    return out.toString(StandardCharsets.UTF_8);
  }
}
