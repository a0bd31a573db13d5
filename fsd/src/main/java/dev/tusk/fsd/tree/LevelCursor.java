package dev.tusk.fsd.tree;

import java.io.IOException;

/**
 * Walks the pages of one level of a directory's B-tree in name order, holding only the path of
 * index pages from the root down to the current page (one page per level).
 */
final class LevelCursor {
  private final NodeStore nodes;
  private final Node root;
  private final int level;
  private final Node[] path;
  private final int[] positions;
  private Node page;

  /** A cursor over the pages on {@code level} under {@code root}; call {@link #seek} first. */
  LevelCursor(NodeStore nodes, Node root, int level) {
    if (level > root.level()) {
      throw new IllegalArgumentException("Level " + level + " is above the root's " + root.level());
    }
    this.nodes = nodes;
    this.root = root;
    this.level = level;
    this.path = new Node[root.level() + 1];
    this.positions = new int[root.level() + 1];
  }

  /**
   * Moves to the page whose name range holds {@code name}: the first page if all names are larger.
   */
  void seek(String name) throws IOException {
    Node node = root;
    while (node.level() > level) {
      int i = node.floor(name);
      path[node.level()] = node;
      positions[node.level()] = i;
      node = nodes.node(node.index(i).childKey());
    }
    page = node;
  }

  /** Moves to the first page of the level. */
  void seekFirst() throws IOException {
    seek("");
  }

  /** The current page. */
  Node page() {
    return page;
  }

  /** The index entry that points at the current page; only below the root. */
  IndexEntry entry() {
    return path[level + 1].index(positions[level + 1]);
  }

  /** The first name of the next page, which bounds the current page's range; null on the last. */
  String upperBound() {
    for (int l = level + 1; l <= root.level(); l++) {
      if (positions[l] + 1 < path[l].size()) {
        return path[l].entries().get(positions[l] + 1).name();
      }
    }
    return null;
  }

  /** Moves to the next page; false (staying put) if this is the last. */
  boolean next() throws IOException {
    int l = level + 1;
    while (l <= root.level() && positions[l] + 1 >= path[l].size()) {
      l++;
    }
    if (l > root.level()) {
      return false;
    }
    positions[l]++;
    Node node = nodes.node(path[l].index(positions[l]).childKey());
    for (int k = l - 1; k > level; k--) {
      path[k] = node;
      positions[k] = 0;
      node = nodes.node(node.index(0).childKey());
    }
    page = node;
    return true;
  }
}
