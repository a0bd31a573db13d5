package dev.tusk.fsd.tree;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tusk.fsd.tree.TreeChange.PutFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One directory of 100,000 files, built once for all the tests. */
class LargeDirectoryTest {
  private static final int FILES = 100_000;
  private static CountingObjectStore objects;
  private static TreeStore trees;
  private static TreeRef root;

  @BeforeAll
  static void build() throws IOException {
    objects = MemoryStores.open();
    trees = new TreeStore(objects, 64 << 20);
    List<TreeChange> puts = new ArrayList<>(FILES);
    for (int i = 0; i < FILES; i++) {
      puts.add(
          new PutFile(
              "/big/file-" + i,
              Contents.packed("f" + i, 1000, "pack" + i / 1000, i % 1000 * 1000)));
    }
    root = trees.apply(TreeRef.EMPTY, puts);
  }

  @AfterAll
  static void close() throws IOException {
    objects.close();
  }

  @Test
  void listsEveryEntryInNameOrder() throws IOException {
    List<String> names =
        new TreeStore(objects, 1 << 20)
            .list(root, "/big")
            .map(e -> TreePaths.name(e.path()))
            .toList();

    List<String> expected = new ArrayList<>();
    for (int i = 0; i < FILES; i++) {
      expected.add("file-" + i);
    }
    expected.sort(TreePaths.NAME_ORDER);
    assertThat(names).isEqualTo(expected);
  }

  @Test
  void isSplitIntoPagesOfBoundedSize() throws IOException {
    List<String> keys = objects.list("trees/").toList();
    long maxBytes = 0;
    for (String key : keys) {
      maxBytes = Math.max(maxBytes, objects.get(key).length);
    }

    assertThat(keys.size()).isBetween(100, 500);
    assertThat(maxBytes).isLessThan(256 * 1024);
    assertThat(root.fileCount()).isEqualTo(FILES);
  }

  @Test
  void updatingOneEntryWritesOnlyThePagesAboveIt() throws IOException {
    objects.reset();

    TreeRef updated =
        trees.apply(root, List.of(new PutFile("/big/file-77777", Contents.of("new"))));

    // The leaf, at most two index levels, and the root directory's single page.
    assertThat(objects.created.get()).isBetween(2L, 4L);
    assertThat(objects.createdBytes.get()).isLessThan(200_000);
    assertThat(trees.get(updated, "/big/file-77777").orElseThrow().hash())
        .isEqualTo(Contents.hash("new"));
  }

  @Test
  void addingAnEntryReadsOnlyThePagesAboveIt() throws IOException {
    TreeStore cold = new TreeStore(objects, 64 << 20);
    objects.reset();

    cold.apply(root, List.of(new PutFile("/big/file-new", Contents.of("new"))));

    assertThat(objects.gets.get()).isLessThanOrEqualTo(5);
  }

  @Test
  void getReadsOnePagePerLevel() throws IOException {
    TreeStore cold = new TreeStore(objects, 64 << 20);
    objects.reset();

    assertThat(cold.get(root, "/big/file-4242")).isPresent();
    assertThat(objects.gets.get()).isLessThanOrEqualTo(4);
  }
}
