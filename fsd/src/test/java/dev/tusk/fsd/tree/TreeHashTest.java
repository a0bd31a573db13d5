package dev.tusk.fsd.tree;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tusk.fsd.tree.TreeChange.Delete;
import dev.tusk.fsd.tree.TreeChange.MakeDir;
import dev.tusk.fsd.tree.TreeChange.PutFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TreeHashTest {
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

  /** Enough files in one directory for several pages. */
  private static List<TreeChange> files(int count, String pack) {
    List<TreeChange> puts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      puts.add(new PutFile("/data/sub/f" + i, Contents.packed("f" + i, 100, pack, i * 100)));
    }
    return puts;
  }

  @Test
  void insertionOrderDoesNotMatter() throws IOException {
    List<TreeChange> puts = files(5000, "p");
    TreeRef inOrder = trees.apply(TreeRef.EMPTY, puts);
    List<TreeChange> shuffled = new ArrayList<>(puts);
    Collections.shuffle(shuffled, new Random(7));

    TreeRef oneByOneShuffled = TreeRef.EMPTY;
    for (int i = 0; i < shuffled.size(); i += 250) {
      oneByOneShuffled = trees.apply(oneByOneShuffled, shuffled.subList(i, i + 250));
    }

    assertThat(oneByOneShuffled).isEqualTo(inOrder);
  }

  @Test
  void historyDoesNotMatter() throws IOException {
    TreeRef direct = trees.apply(TreeRef.EMPTY, files(3000, "p"));
    List<TreeChange> detour = new ArrayList<>(files(3000, "p"));
    for (int i = 0; i < 500; i++) {
      detour.add(new PutFile("/data/sub/extra" + i, Contents.of("extra" + i)));
    }
    TreeRef withExtras = trees.apply(TreeRef.EMPTY, detour);
    List<TreeChange> deletes = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      deletes.add(new Delete("/data/sub/extra" + i));
    }

    assertThat(trees.apply(withExtras, deletes)).isEqualTo(direct);
  }

  @Test
  void dataRefsDoNotChangeTheHash() throws IOException {
    TreeRef packedOneWay = trees.apply(TreeRef.EMPTY, files(3000, "one"));
    TreeRef packedAnother = trees.apply(TreeRef.EMPTY, files(3000, "another"));

    assertThat(packedAnother.hash()).isEqualTo(packedOneWay.hash());
    assertThat(packedAnother.nodeKey()).isNotEqualTo(packedOneWay.nodeKey());
    assertThat(trees.get(packedAnother, "/data/sub").orElseThrow().hash())
        .isEqualTo(trees.get(packedOneWay, "/data/sub").orElseThrow().hash());
  }

  @Test
  void differentContentGivesADifferentHash() throws IOException {
    TreeRef root = trees.apply(TreeRef.EMPTY, files(3000, "p"));

    TreeRef changed =
        trees.apply(root, List.of(new PutFile("/data/sub/f1234", Contents.of("new"))));

    assertThat(changed.hash()).isNotEqualTo(root.hash());
    assertThat(trees.get(changed, "/data/sub").orElseThrow().hash())
        .isNotEqualTo(trees.get(root, "/data/sub").orElseThrow().hash());
  }

  @Test
  void namesAndTypesAreHashed() throws IOException {
    TreeRef a = trees.apply(TreeRef.EMPTY, List.of(new PutFile("/a", Contents.of("x"))));
    TreeRef b = trees.apply(TreeRef.EMPTY, List.of(new PutFile("/b", Contents.of("x"))));
    TreeRef file = trees.apply(TreeRef.EMPTY, List.of(new PutFile("/a", Contents.of("x"))));
    TreeRef dir = trees.apply(TreeRef.EMPTY, List.of(new MakeDir("/a")));

    assertThat(a.hash()).isNotEqualTo(b.hash());
    assertThat(file.hash()).isNotEqualTo(dir.hash());
  }

  @Test
  void theEmptyTreeNeedsNoObject() throws IOException {
    TreeRef root = trees.apply(TreeRef.EMPTY, List.of(new MakeDir("/a"), new Delete("/a")));

    assertThat(root).isEqualTo(TreeRef.EMPTY);
    assertThat(objects.created.get()).isZero();
    assertThat(TreeRef.EMPTY.hash()).isEqualTo(TreeHasher.EMPTY_HASH);
  }

  @Test
  void identicalSubtreesShareObjects() throws IOException {
    TreeRef root =
        trees.apply(
            TreeRef.EMPTY,
            List.of(
                new PutFile("/x/same/f", Contents.of("f")),
                new PutFile("/y/same/f", Contents.of("f"))));

    assertThat(trees.get(root, "/x/same").orElseThrow().tree())
        .isEqualTo(trees.get(root, "/y/same").orElseThrow().tree());
  }
}
