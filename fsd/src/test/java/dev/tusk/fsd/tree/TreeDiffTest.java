package dev.tusk.fsd.tree;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tusk.chunkstore.FileContent;
import dev.tusk.fsd.tree.TreeChange.Delete;
import dev.tusk.fsd.tree.TreeChange.PutFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TreeDiffTest {
  private CountingObjectStore objects;
  private TreeStore trees;

  @BeforeEach
  void setUp() throws IOException {
    objects = MemoryStores.open();
    trees = new TreeStore(objects, 16 << 20);
  }

  @AfterEach
  void tearDown() throws IOException {
    objects.close();
  }

  private TreeRef apply(TreeRef root, TreeChange... changes) throws IOException {
    return trees.apply(root, List.of(changes));
  }

  private List<String> describe(TreeRef older, TreeRef newer, String path) throws IOException {
    return trees
        .diff(older, newer, path)
        .map(d -> (d.older() == null ? "+" : d.newer() == null ? "-" : "~") + d.path())
        .toList();
  }

  @Test
  void reportsAddedChangedAndDeletedFilesInPathOrder() throws IOException {
    TreeRef older =
        apply(
            TreeRef.EMPTY,
            new PutFile("/a/keep", Contents.of("k")),
            new PutFile("/a/change", Contents.of("1")),
            new PutFile("/a/gone", Contents.of("g")),
            new PutFile("/z", Contents.of("z")));
    TreeRef newer =
        apply(
            older,
            new PutFile("/a/change", Contents.of("2")),
            new Delete("/a/gone"),
            new PutFile("/a/new", Contents.of("n")),
            new PutFile("/b", Contents.of("b")));

    List<Diff> diffs = trees.diff(older, newer, "/").toList();

    assertThat(describe(older, newer, "/"))
        .containsExactly("~/a/change", "-/a/gone", "+/a/new", "+/b");
    assertThat(diffs.get(0).older().hash()).isEqualTo(Contents.hash("1"));
    assertThat(diffs.get(0).newer().hash()).isEqualTo(Contents.hash("2"));
  }

  @Test
  void reportsADirectoryAddedOrDeletedAsAWholeOnce() throws IOException {
    TreeRef older =
        apply(
            TreeRef.EMPTY,
            new PutFile("/old/x", Contents.of("x")),
            new PutFile("/old/y", Contents.of("y")));
    TreeRef newer = apply(older, new Delete("/old"), new PutFile("/new/sub/z", Contents.of("z")));

    List<Diff> diffs = trees.diff(older, newer, "/").toList();

    assertThat(describe(older, newer, "/")).containsExactly("+/new", "-/old");
    assertThat(diffs.get(0).newer().type()).isEqualTo(EntryType.DIR);
    assertThat(diffs.get(0).newer().tree().fileCount()).isEqualTo(1);
  }

  @Test
  void reportsATypeChangeAsOneDiffWithBothSides() throws IOException {
    TreeRef older = apply(TreeRef.EMPTY, new PutFile("/p", Contents.of("p")));
    TreeRef newer = apply(older, new Delete("/p"), new PutFile("/p/inside", Contents.of("i")));

    List<Diff> diffs = trees.diff(older, newer, "/").toList();

    assertThat(diffs).hasSize(1);
    assertThat(diffs.get(0).older().type()).isEqualTo(EntryType.FILE);
    assertThat(diffs.get(0).newer().type()).isEqualTo(EntryType.DIR);
  }

  @Test
  void repackedContentIsNoChange() throws IOException {
    TreeRef older = apply(TreeRef.EMPTY, new PutFile("/f", Contents.packed("f", 10, "one", 0)));
    TreeRef newer = apply(older, new PutFile("/f", Contents.packed("f", 10, "two", 50)));

    assertThat(newer.nodeKey()).isNotEqualTo(older.nodeKey());
    assertThat(trees.diff(older, newer, "/")).isEmpty();
  }

  @Test
  void isLimitedToAPath() throws IOException {
    TreeRef older =
        apply(
            TreeRef.EMPTY,
            new PutFile("/a/x", Contents.of("1")),
            new PutFile("/b/x", Contents.of("1")));
    TreeRef newer =
        apply(older, new PutFile("/a/x", Contents.of("2")), new PutFile("/b/x", Contents.of("2")));

    assertThat(describe(older, newer, "/b")).containsExactly("~/b/x");
    assertThat(describe(older, newer, "/b/x")).containsExactly("~/b/x");
    assertThat(describe(older, newer, "/nowhere")).isEmpty();
  }

  @Test
  void fromTheEmptyTreeReportsTopLevelEntries() throws IOException {
    TreeRef newer =
        apply(
            TreeRef.EMPTY,
            new PutFile("/a/x", Contents.of("1")),
            new PutFile("/b", Contents.of("1")));

    assertThat(describe(TreeRef.EMPTY, newer, "/")).containsExactly("+/a", "+/b");
    assertThat(describe(newer, TreeRef.EMPTY, "/")).containsExactly("-/a", "-/b");
  }

  @Test
  void readsOnlyPagesAlongTheChanges() throws IOException {
    // 100 directories of 2,000 files, plus a 30,000-file directory: ~300 leaf pages in all.
    List<TreeChange> puts = new ArrayList<>();
    for (int d = 0; d < 100; d++) {
      for (int f = 0; f < 2000; f++) {
        puts.add(new PutFile("/d" + d + "/f" + f, Contents.of(d + "/" + f, 100)));
      }
    }
    for (int f = 0; f < 30_000; f++) {
      puts.add(new PutFile("/big/f" + f, Contents.of("big" + f, 100)));
    }
    TreeRef older = trees.apply(TreeRef.EMPTY, puts);
    TreeRef newer =
        apply(
            older,
            new PutFile("/d17/f5", Contents.of("changed")),
            new PutFile("/d60/new", Contents.of("new")),
            new Delete("/big/f12345"));
    long pages = objects.list("trees/").count();
    TreeStore cold = new TreeStore(objects, 64 << 20);
    objects.reset();

    List<Diff> diffs = cold.diff(older, newer, "/").toList();

    assertThat(diffs).extracting(Diff::path).containsExactly("/big/f12345", "/d17/f5", "/d60/new");
    // Per changed path, both sides: the root's and the directory's pages, one per level.
    assertThat(objects.gets.get()).isLessThanOrEqualTo(3 * 2 * 5).isLessThan(pages / 20);
  }

  @Test
  void equalTreesReadNothing() throws IOException {
    TreeRef root = apply(TreeRef.EMPTY, new PutFile("/a/x", Contents.of("1")));
    TreeRef same = apply(TreeRef.EMPTY, new PutFile("/a/x", Contents.of("1")));
    TreeStore cold = new TreeStore(objects, 1 << 20);
    objects.reset();

    assertThat(cold.diff(root, same, "/")).isEmpty();
    assertThat(objects.gets.get()).isZero();
  }

  @Test
  void reportsEveryChangeOfALargeDirectory() throws IOException {
    List<TreeChange> puts = new ArrayList<>();
    for (int f = 0; f < 20_000; f++) {
      puts.add(new PutFile("/big/f" + f, Contents.of("v1-" + f, 100)));
    }
    TreeRef older = trees.apply(TreeRef.EMPTY, puts);
    List<TreeChange> changes = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int f = 0; f < 20_000; f += 97) {
      FileContent content = Contents.of("v2-" + f, 100);
      changes.add(new PutFile("/big/f" + f, content));
    }
    TreeRef newer = trees.apply(older, changes);
    changes.stream().map(TreeChange::path).sorted(TreePaths.NAME_ORDER).forEach(expected::add);

    assertThat(trees.diff(older, newer, "/").map(Diff::path).toList()).isEqualTo(expected);
  }
}
