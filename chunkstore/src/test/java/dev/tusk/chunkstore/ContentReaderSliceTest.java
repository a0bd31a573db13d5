package dev.tusk.chunkstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ContentReaderSliceTest {
  private static final Chunker SMALL = new Chunker(1024, 4096, 16384);

  private ChunkStore store;

  @BeforeEach
  void open() throws IOException {
    store = new ChunkStore(new InMemoryObjectStore(), ChunkStoreConfig.defaults().withChunker(SMALL));
  }

  @AfterEach
  void close() throws IOException {
    store.close();
  }

  private ContentReader put(byte[] data) throws IOException {
    try (ContentWriter writer = store.newWriter()) {
      CompletableFuture<FileContent> content = writer.write(new ByteArrayInputStream(data));
      writer.flush();
      return store.reader(content.join());
    }
  }

  @Test
  void slicesFromAnyOffsetAddUpToTheFile() throws IOException {
    byte[] data = new byte[100_000];
    new Random(3).nextBytes(data);
    ContentReader reader = put(data);

    for (int start : new int[] {0, 1, 4095, 50_000, 99_999}) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      long position = start;
      int slices = 0;
      while (true) {
        ByteBuffer slice = reader.slice(position, 7000);
        if (!slice.hasRemaining()) {
          break;
        }
        assertThat(slice.remaining()).isLessThanOrEqualTo(7000);
        byte[] bytes = new byte[slice.remaining()];
        slice.get(bytes);
        out.write(bytes);
        position += bytes.length;
        slices++;
      }
      byte[] expected = Arrays.copyOfRange(data, start, data.length);
      assertThat(out.toByteArray()).isEqualTo(expected);
      assertThat(slices).isPositive();
    }
  }

  @Test
  void aSliceStaysWithinOneChunkAndIsEmptyAtTheEnd() throws IOException {
    byte[] data = new byte[60_000];
    new Random(4).nextBytes(data);
    ContentReader reader = put(data);

    ByteBuffer whole = reader.slice(0, Integer.MAX_VALUE);
    assertThat(whole.remaining()).isBetween(1, SMALL.maxSize());
    assertThat(whole.remaining()).isLessThan(data.length);
    assertThat(reader.slice(data.length, 10).hasRemaining()).isFalse();
    assertThat(reader.slice(5, 0).hasRemaining()).isFalse();
  }
}
