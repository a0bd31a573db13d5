package dev.tusk.fsd.tree;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PageChunkerTest {

  @Test
  void nameHashNeverChanges() {
    // Pinned (computed independently from the documented definition): page boundaries, and so every
    // stored tree hash, depend on these values.
    assertThat(hash("", 0)).isEqualTo(0xb9034ad37056f5fbL);
    assertThat(hash("file-1", 0)).isEqualTo(0x18feb7316c87eaacL);
    assertThat(hash("file-1", 1)).isEqualTo(0xfca968a5ab966415L);
  }

  @Test
  void leafPagesAverageAbout512Entries() {
    PageChunker chunker = new PageChunker(PageChunker.Rule.DEFAULT, 0);
    int pages = 0;
    for (int i = 0; i < 1_000_000; i++) {
      if (chunker.offer("f" + i)) {
        pages++;
      }
    }

    assertThat(1_000_000 / pages).isBetween(400, 600);
  }

  @Test
  void longNamesAreCutByWeight() {
    PageChunker chunker = new PageChunker(PageChunker.Rule.DEFAULT, 0);
    String pad = "x".repeat(250);
    int longest = 0;
    int current = 0;
    for (int i = 0; i < 200_000; i++) {
      current++;
      if (chunker.offer(pad + i)) {
        longest = Math.max(longest, current);
        current = 0;
      }
    }

    // 256 KiB of weight at ~320 per entry: the hard limit.
    assertThat(longest).isLessThanOrEqualTo(256 * 1024 / (PageChunker.ENTRY_WEIGHT + 250) + 1);
  }

  @Test
  void aCutDependsOnlyOnTheNameAndTheWeightSinceTheLastCut() {
    PageChunker one = new PageChunker(PageChunker.Rule.DEFAULT, 0);
    PageChunker two = new PageChunker(PageChunker.Rule.DEFAULT, 0);
    for (int i = 0; i < 100; i++) {
      one.offer("a" + i);
    }
    one.reset();

    for (int i = 0; i < 10_000; i++) {
      assertThat(one.offer("b" + i)).isEqualTo(two.offer("b" + i));
    }
  }

  private static long hash(String name, int level) {
    return PageChunker.nameHash(name.getBytes(StandardCharsets.UTF_8), level);
  }
}
