package dev.tusk.fsd.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.chunkstore.FileContent;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.tree.TreeChange.Copy;
import dev.tusk.fsd.tree.TreeChange.Delete;
import dev.tusk.fsd.tree.TreeChange.MakeDir;
import dev.tusk.fsd.tree.TreeChange.PutFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random batches of changes checked against a sorted map of paths, with tiny pages so that
 * directories of a few hundred entries are several levels deep. After every batch the tree must
 * list like the model, diff against the previous tree like the models do, and be identical (same
 * root key) to a tree built from scratch from the model's contents in random order.
 */
class TreeModelTest {
  private static final PageChunker.Rule TINY = new PageChunker.Rule(2, 2, 1, 300, 1200);
  private static final Comparator<String> PATH_ORDER = TreeModelTest::comparePaths;
  private static final Object DIR = "DIR";

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3})
  void matchesASortedMapModel(long seed) throws IOException {
    Random random = new Random(seed);
    try (CountingObjectStore objects = MemoryStores.open()) {
      TreeStore trees = new TreeStore(objects, 4 << 20, TINY);
      TreeMap<String, Object> model = new TreeMap<>(PATH_ORDER);
      TreeRef root = TreeRef.EMPTY;
      int operations = 0;
      int tallestRoot = 0;
      while (operations < 1500) {
        TreeMap<String, Object> next = new TreeMap<>(model);
        List<TreeChange> batch = new ArrayList<>();
        List<Entry> copySources = trees.walk(root, "/").skip(1).toList();
        int size = random.nextInt(10) == 0 ? 200 : 1 + random.nextInt(20);
        for (int i = 0; i < size; i++) {
          TreeChange change = randomValidChange(random, next, copySources);
          applyToModel(next, change, trees);
          batch.add(change);
        }
        operations += size;
        TreeRef updated = trees.apply(root, batch);

        assertThat(walk(trees, updated)).isEqualTo(next);
        assertThat(updated.fileCount())
            .isEqualTo(next.values().stream().filter(v -> v != DIR).count());
        assertThat(updated.size())
            .isEqualTo(
                next.values().stream()
                    .filter(v -> v != DIR)
                    .mapToLong(v -> ((FileContent) v).size())
                    .sum());
        assertThat(trees.diff(root, updated, "/").toList())
            .isEqualTo(modelDiff(model, next, trees, root, updated));
        assertThat(updated).isEqualTo(fromScratch(trees, next, random));
        root = updated;
        model = next;
        if (!root.isEmpty()) {
          tallestRoot =
              Math.max(tallestRoot, NodeCodec.decode("", objects.get(root.nodeKey())).level());
        }
        if (random.nextInt(5) == 0) {
          expectInvalidChangeToFail(random, model, trees, root);
        }
      }
      assertThat(tallestRoot).as("index levels above the root's leaves").isGreaterThanOrEqualTo(2);
    }
  }

  private static TreeChange randomValidChange(
      Random random, TreeMap<String, Object> model, List<Entry> copySources) {
    while (true) {
      int kind = random.nextInt(100);
      String path = randomPath(random);
      if (kind < 60) {
        if (canPutFile(model, path)) {
          return new PutFile(
              path, Contents.of("v" + random.nextInt(1_000_000), 1 + random.nextInt(5000)));
        }
      } else if (kind < 68) {
        if (canPutDir(model, path)) {
          return new MakeDir(path);
        }
      } else if (kind < 90) {
        if (!model.isEmpty()) {
          List<String> paths = new ArrayList<>(model.keySet());
          return new Delete(paths.get(random.nextInt(paths.size())));
        }
      } else if (!copySources.isEmpty()) {
        // Copy something from the tree as it was before this batch.
        Entry source = copySources.get(random.nextInt(copySources.size()));
        {
          boolean fits =
              source.type() == EntryType.FILE ? canPutFile(model, path) : canPutDir(model, path);
          if (fits) {
            return new Copy(path, source);
          }
        }
      }
    }
  }

  /** Few names per level so that paths collide, and many leaf names so directories grow large. */
  private static String randomPath(Random random) {
    int depth = 1 + random.nextInt(3);
    StringBuilder path = new StringBuilder();
    for (int i = 0; i < depth - 1; i++) {
      path.append("/d").append(random.nextInt(3));
    }
    return path.append(random.nextBoolean() ? "/f" : "/d").append(random.nextInt(300)).toString();
  }

  private static boolean canPutFile(TreeMap<String, Object> model, String path) {
    return model.get(path) != DIR && ancestorsAreDirsOrMissing(model, path);
  }

  private static boolean canPutDir(TreeMap<String, Object> model, String path) {
    Object existing = model.get(path);
    return (existing == null || existing == DIR) && ancestorsAreDirsOrMissing(model, path);
  }

  private static boolean ancestorsAreDirsOrMissing(TreeMap<String, Object> model, String path) {
    for (String p = TreePaths.parent(path); !p.equals("/"); p = TreePaths.parent(p)) {
      Object existing = model.get(p);
      if (existing != null && existing != DIR) {
        return false;
      }
    }
    return true;
  }

  private static void applyToModel(
      TreeMap<String, Object> model, TreeChange change, TreeStore trees) throws IOException {
    String path = change.path();
    if (change instanceof Delete) {
      removeSubtree(model, path);
      return;
    }
    for (String p = TreePaths.parent(path); !p.equals("/"); p = TreePaths.parent(p)) {
      model.put(p, DIR);
    }
    if (change instanceof PutFile put) {
      model.put(path, put.content());
    } else if (change instanceof MakeDir) {
      model.putIfAbsent(path, DIR);
    } else {
      Entry source = ((Copy) change).source();
      if (source.type() == EntryType.FILE) {
        model.put(path, source.content());
      } else {
        removeSubtree(model, path);
        model.put(path, DIR);
        for (Entry e : trees.walk(source.tree(), "/").skip(1).toList()) {
          model.put(path + e.path(), e.type() == EntryType.DIR ? DIR : e.content());
        }
      }
    }
  }

  private static void removeSubtree(TreeMap<String, Object> model, String path) {
    model.keySet().removeIf(p -> p.equals(path) || p.startsWith(path + "/"));
  }

  private static TreeMap<String, Object> walk(TreeStore trees, TreeRef root) throws IOException {
    TreeMap<String, Object> out = new TreeMap<>(PATH_ORDER);
    List<String> order = new ArrayList<>();
    for (Entry e : trees.walk(root, "/").skip(1).toList()) {
      out.put(e.path(), e.type() == EntryType.DIR ? DIR : e.content());
      order.add(e.path());
    }
    List<String> sorted = new ArrayList<>(order);
    sorted.sort(PATH_ORDER);
    assertThat(order).as("walk order").isEqualTo(sorted);
    return out;
  }

  /**
   * What {@link TreeStore#diff} must report: a path whose sides differ (added, deleted, type
   * changed, file hash changed) below ancestors that are directories on both sides.
   */
  private static List<Diff> modelDiff(
      TreeMap<String, Object> older,
      TreeMap<String, Object> newer,
      TreeStore trees,
      TreeRef olderRoot,
      TreeRef newerRoot)
      throws IOException {
    TreeMap<String, Boolean> paths = new TreeMap<>(PATH_ORDER);
    older.keySet().forEach(p -> paths.put(p, true));
    newer.keySet().forEach(p -> paths.put(p, true));
    List<Diff> diffs = new ArrayList<>();
    for (String path : paths.keySet()) {
      Object o = older.get(path);
      Object n = newer.get(path);
      boolean differs =
          o == null
              || n == null
              || (o == DIR) != (n == DIR)
              || (o != DIR && !((FileContent) o).hash().equals(((FileContent) n).hash()));
      if (differs && ancestorsAreDirsOnBothSides(older, newer, path)) {
        diffs.add(
            new Diff(
                path,
                trees.get(olderRoot, path).orElse(null),
                trees.get(newerRoot, path).orElse(null)));
      }
    }
    return diffs;
  }

  private static boolean ancestorsAreDirsOnBothSides(
      TreeMap<String, Object> older, TreeMap<String, Object> newer, String path) {
    for (String p = TreePaths.parent(path); !p.equals("/"); p = TreePaths.parent(p)) {
      if (older.get(p) != DIR || newer.get(p) != DIR) {
        return false;
      }
    }
    return true;
  }

  private static TreeRef fromScratch(TreeStore trees, TreeMap<String, Object> model, Random random)
      throws IOException {
    List<TreeChange> changes = new ArrayList<>();
    for (Map.Entry<String, Object> e : model.entrySet()) {
      changes.add(
          e.getValue() == DIR
              ? new MakeDir(e.getKey())
              : new PutFile(e.getKey(), (FileContent) e.getValue()));
    }
    Collections.shuffle(changes, random);
    return trees.apply(TreeRef.EMPTY, changes);
  }

  private static void expectInvalidChangeToFail(
      Random random, TreeMap<String, Object> model, TreeStore trees, TreeRef root) {
    for (int attempt = 0; attempt < 100; attempt++) {
      String path = randomPath(random);
      TreeChange change;
      if (!canPutFile(model, path)) {
        change = new PutFile(path, Contents.of("x"));
      } else if (!canPutDir(model, path)) {
        change = new MakeDir(path);
      } else if (!model.containsKey(path)) {
        change = new Delete(path);
      } else {
        continue;
      }
      assertThatThrownBy(() -> trees.apply(root, List.of(change)))
          .as("%s", change)
          .isInstanceOf(PfsException.class);
      return;
    }
  }

  /**
   * Segment by segment in name order: like comparing the strings with '/' below every character.
   */
  private static int comparePaths(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        return x == '/'
            ? -1
            : y == '/' ? 1 : TreePaths.compareNames(String.valueOf(x), String.valueOf(y));
      }
    }
    return a.length() - b.length();
  }
}
