package dev.tusk.fsd.tree;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies a sorted batch of entry changes to one directory's B-tree of pages, rewriting only the
 * pages whose name ranges hold a change, and the index pages above them.
 *
 * <p>The tree is treated level by level. On each level the pages partition a sorted sequence of
 * entries (files and subdirectories on level 0, child pages above), and the edits for that level
 * are keyed by name. For each run of edits the updater seeks to the page holding the first one,
 * merges the old entries with the edits and cuts new pages with {@link PageChunker}, starting from
 * the old page's start (a valid cut, since everything before it is unchanged). It carries on into
 * the following old pages until it has passed the run's edits and its last cut coincides with the
 * end of an old page: from there on the old pages are what a fresh chunking would produce. The
 * replaced pages and their replacements become the edits of the level above (delete the old pages'
 * first names, put the new pages), up to the old root's level, where the whole level is rechunked
 * and new levels are added while more than one page remains. A root index page left with a single
 * child is dropped, so the result is exactly the tree a from-scratch build of the same entries
 * gives. Cost: O(edits + changed pages x height) page reads and writes.
 *
 * <p>New leaf pages are handed to the writes as they are cut, so building a huge directory holds
 * only the pages still being written beyond the edits themselves; index pages are few and are
 * written at the end, once it is known which levels the new root keeps.
 */
final class DirectoryUpdater {
  private final NodeStore nodes;
  private final PageChunker.Rule rule;

  /** A change of one entry on some level: {@code entry == null} deletes the name. */
  record Edit(String name, PageEntry entry) {}

  DirectoryUpdater(NodeStore nodes, PageChunker.Rule rule) {
    this.nodes = nodes;
    this.rule = rule;
  }

  /**
   * The directory {@code base} with {@code edits} (sorted by {@link TreePaths#NAME_ORDER}, one per
   * name; deleting a missing name is a no-op) applied; new pages go to {@code writes}.
   */
  TreeRef update(TreeRef base, List<Edit> edits, NodeStore.Writes writes) throws IOException {
    if (edits.isEmpty()) {
      return base;
    }
    Node root = base.isEmpty() ? null : nodes.node(base.nodeKey());
    int height = root == null ? -1 : root.level();
    Map<String, NodeStore.Encoded> indexPages = new HashMap<>();
    List<Edit> levelEdits = edits;
    for (int level = 0; ; level++) {
      if (level < height) {
        levelEdits = rechunkRuns(root, level, levelEdits, indexPages, writes);
        if (levelEdits.isEmpty()) {
          return base; // every rewritten page came out as it was
        }
        continue;
      }
      PageBuilder pages = new PageBuilder(level, indexPages, writes);
      merge(level == height ? root.entries() : List.of(), levelEdits, 0, null, pages);
      List<IndexEntry> built = pages.finish();
      if (built.isEmpty()) {
        return TreeRef.EMPTY;
      }
      if (built.size() == 1) {
        return finish(built.get(0), level, indexPages, writes);
      }
      levelEdits = new ArrayList<>(built.size());
      for (IndexEntry page : built) {
        levelEdits.add(new Edit(page.name(), page));
      }
    }
  }

  /** Rechunks the runs of old pages on {@code level} that {@code edits} touch. */
  private List<Edit> rechunkRuns(
      Node root,
      int level,
      List<Edit> edits,
      Map<String, NodeStore.Encoded> indexPages,
      NodeStore.Writes writes)
      throws IOException {
    LevelCursor cursor = new LevelCursor(nodes, root, level);
    List<Edit> up = new ArrayList<>();
    int next = 0;
    while (next < edits.size()) {
      cursor.seek(edits.get(next).name());
      PageBuilder pages = new PageBuilder(level, indexPages, writes);
      List<IndexEntry> replaced = new ArrayList<>();
      do {
        replaced.add(cursor.entry());
        next = merge(cursor.page().entries(), edits, next, cursor.upperBound(), pages);
      } while (!pages.atCut() && cursor.next());
      List<IndexEntry> built = pages.finish();
      if (!sameChildren(replaced, built)) {
        splice(up, replaced, built);
      }
    }
    return up;
  }

  /**
   * Feeds {@code old} merged with the edits from {@code next} that sort below {@code upper} (all,
   * if null) to {@code pages}; an edit replaces or deletes the old entry of its name. Returns the
   * position of the first edit not consumed.
   */
  private static int merge(
      List<PageEntry> old, List<Edit> edits, int next, String upper, PageBuilder pages)
      throws IOException {
    int i = next;
    int j = 0;
    while (true) {
      boolean hasEdit =
          i < edits.size()
              && (upper == null || TreePaths.compareNames(edits.get(i).name(), upper) < 0);
      boolean hasOld = j < old.size();
      if (!hasEdit && !hasOld) {
        return i;
      }
      int order =
          !hasEdit
              ? 1
              : !hasOld ? -1 : TreePaths.compareNames(edits.get(i).name(), old.get(j).name());
      if (order > 0) {
        pages.add(old.get(j++));
      } else {
        Edit edit = edits.get(i++);
        if (order == 0) {
          j++;
        }
        if (edit.entry() != null) {
          pages.add(edit.entry());
        }
      }
    }
  }

  private static boolean sameChildren(List<IndexEntry> replaced, List<IndexEntry> built) {
    if (replaced.size() != built.size()) {
      return false;
    }
    for (int i = 0; i < replaced.size(); i++) {
      if (!replaced.get(i).childKey().equals(built.get(i).childKey())) {
        return false;
      }
    }
    return true;
  }

  /** Appends, in name order, deletes of the replaced pages and puts of the new ones. */
  private static void splice(List<Edit> up, List<IndexEntry> replaced, List<IndexEntry> built) {
    int i = 0;
    int j = 0;
    while (i < replaced.size() || j < built.size()) {
      int order =
          i == replaced.size()
              ? 1
              : j == built.size()
                  ? -1
                  : TreePaths.compareNames(replaced.get(i).name(), built.get(j).name());
      if (order < 0) {
        up.add(new Edit(replaced.get(i++).name(), null));
      } else {
        if (order == 0) {
          i++;
        }
        IndexEntry page = built.get(j++);
        up.add(new Edit(page.name(), page));
      }
    }
  }

  /**
   * Makes {@code top}, the only page of {@code level}, the root: descends past index pages with a
   * single child (a from-scratch build would never add that level), then writes the buffered index
   * pages the root keeps. Only index pages are read on the way down: they are buffered or old,
   * while a new leaf may still be being written.
   */
  private TreeRef finish(
      IndexEntry top, int level, Map<String, NodeStore.Encoded> indexPages, NodeStore.Writes writes)
      throws IOException {
    while (level > 0) {
      Node node = page(top.childKey(), indexPages);
      if (node.size() > 1) {
        break;
      }
      top = node.index(0);
      level--;
    }
    for (NodeStore.Encoded encoded : indexPages.values()) {
      if (encoded.node().level() <= level) {
        writes.write(encoded);
      }
    }
    return new TreeRef(top.childKey(), top.childHash(), top.size(), top.fileCount());
  }

  private Node page(String key, Map<String, NodeStore.Encoded> indexPages) throws IOException {
    NodeStore.Encoded buffered = indexPages.get(key);
    return buffered != null ? buffered.node() : nodes.node(key);
  }

  /** Cuts a stream of entries of one level into pages and stores them. */
  private final class PageBuilder {
    private final int level;
    private final PageChunker chunker;
    private final Map<String, NodeStore.Encoded> indexPages;
    private final NodeStore.Writes writes;
    private final List<IndexEntry> built = new ArrayList<>();
    private List<PageEntry> current = new ArrayList<>();

    PageBuilder(int level, Map<String, NodeStore.Encoded> indexPages, NodeStore.Writes writes) {
      this.level = level;
      this.chunker = new PageChunker(rule, level);
      this.indexPages = indexPages;
      this.writes = writes;
    }

    void add(PageEntry entry) throws IOException {
      current.add(entry);
      if (chunker.offer(entry.name())) {
        cut();
      }
    }

    /** Whether the entries so far ended exactly at a page boundary. */
    boolean atCut() {
      return current.isEmpty();
    }

    /** Cuts the last page, if any, and returns all pages built, as index entries. */
    List<IndexEntry> finish() throws IOException {
      if (!current.isEmpty()) {
        cut();
      }
      return built;
    }

    private void cut() throws IOException {
      Node node = new Node(level, current);
      current = new ArrayList<>();
      long count = 0;
      long size = 0;
      long files = 0;
      for (PageEntry entry : node.entries()) {
        count += entry.count();
        size += entry.size();
        files += entry.fileCount();
      }
      NodeStore.Encoded encoded = nodes.encode(node);
      if (level == 0) {
        writes.write(encoded);
      } else {
        indexPages.put(encoded.key(), encoded);
      }
      String first = node.entries().get(0).name();
      built.add(new IndexEntry(first, encoded.key(), TreeHasher.hash(node), count, size, files));
    }
  }
}
