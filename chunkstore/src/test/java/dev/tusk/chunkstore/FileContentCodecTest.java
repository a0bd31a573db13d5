package dev.tusk.chunkstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FileContentCodecTest {
  private static final FileContent CONTENT =
      new FileContent(
          ChunkId.of(new byte[] {9}).hex(),
          30,
          List.of(
              new DataRef(ChunkId.of(new byte[] {1}), 0, 10),
              new DataRef(ChunkId.of(new byte[] {2}), 7, 20)));

  @Test
  void roundTrips() throws IOException {
    assertThat(FileContentCodec.decode(FileContentCodec.encode(CONTENT))).isEqualTo(CONTENT);
  }

  @Test
  void truncatedInputIsAnError() {
    byte[] encoded = FileContentCodec.encode(CONTENT);
    assertThatThrownBy(() -> FileContentCodec.decode(Arrays.copyOf(encoded, encoded.length - 1)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("Corrupt file content");
  }

  @Test
  void foreignBytesAreAnError() {
    assertThatThrownBy(() -> FileContentCodec.decode("hello, world".getBytes()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("bad magic");
  }
}
