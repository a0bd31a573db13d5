package dev.tusk.mount;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SiblingReadAheadTest {
  private static final long KIB = 1024;

  private static SiblingReadAhead tenFilesOf64KiB() {
    SiblingReadAhead.Builder order = new SiblingReadAhead.Builder();
    for (String name : List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")) {
      order.add("/d/" + name, 64 * KIB);
    }
    return order.build();
  }

  @Test
  void opensInOrderFetchTheNextFilesWithinTheBudgetOnce() {
    SiblingReadAhead order = tenFilesOf64KiB();
    assertThat(order.opened("/d/a", 192 * KIB)).containsExactly("/d/b", "/d/c", "/d/d");
    // Only what was not asked for before: the window moved by one file.
    assertThat(order.opened("/d/b", 192 * KIB)).containsExactly("/d/e");
    assertThat(order.opened("/d/c", 192 * KIB)).containsExactly("/d/f");
  }

  @Test
  void theLastFileHasNothingAfterIt() {
    SiblingReadAhead order = tenFilesOf64KiB();
    assertThat(order.opened("/d/a", 1 << 30)).hasSize(9);
    assertThat(order.opened("/d/b", 1 << 30)).isEmpty();
    assertThat(order.opened("/d/j", 1 << 30)).isEmpty();
  }

  @Test
  void aBudgetSmallerThanOneFileStillFetchesTheNext() {
    assertThat(tenFilesOf64KiB().opened("/d/a", 1)).containsExactly("/d/b");
  }

  @Test
  void opensOutOfOrderOrOfUnknownFilesFetchNothing() {
    SiblingReadAhead order = tenFilesOf64KiB();
    // A first open that is not the first file: perhaps one file picked out, not a walk.
    assertThat(order.opened("/d/e", 1 << 20)).isEmpty();
    // Backwards.
    assertThat(order.opened("/d/c", 1 << 20)).isEmpty();
    assertThat(order.opened("/d/zz", 1 << 20)).isEmpty();
    assertThat(order.opened("/other/a", 1 << 20)).isEmpty();
  }

  @Test
  void anInOrderOpenAfterAJumpFetchesAgain() {
    SiblingReadAhead order = tenFilesOf64KiB();
    assertThat(order.opened("/d/e", 128 * KIB)).isEmpty();
    assertThat(order.opened("/d/f", 128 * KIB)).containsExactly("/d/g", "/d/h");
  }
}
