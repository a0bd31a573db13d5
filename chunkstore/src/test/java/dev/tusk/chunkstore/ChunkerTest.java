package dev.tusk.chunkstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChunkerTest {
  private static final Chunker SMALL = new Chunker(1024, 4096, 16384);

  private static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  private static List<Integer> cuts(Chunker chunker, byte[] data) {
    List<Integer> lengths = new ArrayList<>();
    for (int at = 0; at < data.length; ) {
      int cut = chunker.cut(data, at, data.length - at);
      lengths.add(cut);
      at += cut;
    }
    return lengths;
  }

  @Test
  void chunksStayWithinTheBounds() {
    List<Integer> lengths = cuts(SMALL, random(1 << 20, 1));
    for (int i = 0; i < lengths.size() - 1; i++) {
      assertThat(lengths.get(i)).isBetween(1024, 16384);
    }
    assertThat(lengths.stream().mapToInt(Integer::intValue).sum()).isEqualTo(1 << 20);
  }

  @Test
  void averageSizeIsNearTheTarget() {
    List<Integer> lengths = cuts(SMALL, random(4 << 20, 2));
    double mean = (4 << 20) / (double) lengths.size();
    assertThat(mean).isBetween(4096 * 0.75, 4096 * 1.5);
  }

  @Test
  void inputNoLongerThanTheMinimumIsOneChunk() {
    assertThat(SMALL.cut(random(1024, 3), 0, 1024)).isEqualTo(1024);
    assertThat(SMALL.cut(random(10, 3), 0, 10)).isEqualTo(10);
  }

  @Test
  void cutsDependOnlyOnContentNotOnOffsetInTheArray() {
    byte[] data = random(100_000, 4);
    byte[] shifted = new byte[data.length + 7];
    System.arraycopy(data, 0, shifted, 7, data.length);
    assertThat(SMALL.cut(shifted, 7, data.length)).isEqualTo(SMALL.cut(data, 0, data.length));
  }

  @Test
  void anEditInTheMiddleChangesOnlyNearbyChunks() {
    byte[] data = random(2 << 20, 5);
    byte[] edited = data.clone();
    for (int i = 0; i < 1000; i++) {
      edited[1 << 20 | i] ^= 0x5a;
    }
    Set<ChunkId> before = ids(data);
    List<ChunkId> after = new ArrayList<>(ids(edited));
    after.removeAll(before);
    assertThat(after.size()).isLessThanOrEqualTo(3);
  }

  @Test
  void theDefaultSizesAreTheDocumentedOnes() {
    assertThat(Chunker.DEFAULT.minSize()).isEqualTo(128 << 10);
    assertThat(Chunker.DEFAULT.avgSize()).isEqualTo(512 << 10);
    assertThat(Chunker.DEFAULT.maxSize()).isEqualTo(4 << 20);
  }

  @Test
  void theGearTableNeverChanges() {
    // Chunk boundaries are part of the storage format: pin them.
    assertThat(cuts(SMALL, random(64 << 10, 6)).subList(0, 4)).containsExactly(1615, 4399, 1682, 5072);
  }

  @Test
  void invalidSizesAreRefused() {
    assertThatThrownBy(() -> new Chunker(1024, 3000, 8192)).hasMessageContaining("power of two");
    assertThatThrownBy(() -> new Chunker(8192, 4096, 16384)).hasMessageContaining("min < avg");
  }

  private static Set<ChunkId> ids(byte[] data) {
    Set<ChunkId> ids = new HashSet<>();
    int at = 0;
    for (int cut : cuts(SMALL, data)) {
      ids.add(ChunkId.of(data, at, cut));
      at += cut;
    }
    return ids;
  }
}
