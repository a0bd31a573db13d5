package dev.tusk.fsd.tree;

import java.util.List;

/**
 * One page of a directory's B-tree, as decoded: on level 0 a leaf of {@link LeafEntry}s, above an
 * index of {@link IndexEntry}s pointing one level down. Entries are in strict name order and a page
 * is never empty (the empty directory has no page at all).
 */
record Node(int level, List<PageEntry> entries) {

  Node {
    entries = List.copyOf(entries);
    if (level < 0 || entries.isEmpty()) {
      throw new IllegalArgumentException("A page has a level >= 0 and at least one entry");
    }
    Class<?> expected = level == 0 ? LeafEntry.class : IndexEntry.class;
    for (PageEntry entry : entries) {
      if (!expected.isInstance(entry)) {
        throw new IllegalArgumentException("Level " + level + " page holds a " + entry.getClass());
      }
    }
  }

  boolean isLeaf() {
    return level == 0;
  }

  int size() {
    return entries.size();
  }

  LeafEntry leaf(int i) {
    return (LeafEntry) entries.get(i);
  }

  IndexEntry index(int i) {
    return (IndexEntry) entries.get(i);
  }

  /**
   * The position of the last entry whose name is at most {@code name}, or 0 when all are greater:
   * in an index page, the child whose range holds {@code name}.
   */
  int floor(String name) {
    int low = 0;
    int high = entries.size() - 1;
    while (low < high) {
      int mid = (low + high + 1) >>> 1;
      if (TreePaths.compareNames(entries.get(mid).name(), name) <= 0) {
        low = mid;
      } else {
        high = mid - 1;
      }
    }
    return low;
  }

  /** The position of the entry named {@code name}, or -1. */
  int find(String name) {
    int i = floor(name);
    return entries.get(i).name().equals(name) ? i : -1;
  }
}
