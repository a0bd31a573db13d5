package dev.tusk.fsd.tree;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;

/** Looks up paths and lists directories of stored trees, reading only the pages needed. */
final class TreeReader {
  private final NodeStore nodes;

  TreeReader(NodeStore nodes) {
    this.nodes = nodes;
  }

  /** The entry named {@code name} in the directory {@code dir}, or null: O(height) page reads. */
  LeafEntry find(TreeRef dir, String name) throws IOException {
    if (dir.isEmpty()) {
      return null;
    }
    Node node = nodes.node(dir.nodeKey());
    while (!node.isLeaf()) {
      node = nodes.node(node.index(node.floor(name)).childKey());
    }
    int i = node.find(name);
    return i < 0 ? null : node.leaf(i);
  }

  /** What the normalized {@code path} holds in the tree {@code root}. */
  Optional<Entry> get(TreeRef root, String path) throws IOException {
    TreeRef dir = root;
    LeafEntry found = null;
    for (String name : TreePaths.segments(path)) {
      if (dir == null) {
        return Optional.empty(); // a file is in the way
      }
      found = find(dir, name);
      if (found == null) {
        return Optional.empty();
      }
      dir = found.tree();
    }
    return Optional.of(found == null ? Entry.dir(TreePaths.ROOT, root) : entry(path, found));
  }

  /** The public form of a page entry found at {@code path}. */
  Entry entry(String path, LeafEntry leaf) throws IOException {
    return leaf.type() == EntryType.DIR
        ? Entry.dir(path, leaf.tree())
        : Entry.file(path, nodes.content(leaf));
  }

  /**
   * The entries of the directory {@code tree} at {@code dirPath}, in name order, reading one leaf
   * page at a time as the iteration gets there. Read errors surface as {@link
   * UncheckedIOException}.
   */
  Iterator<Entry> children(String dirPath, TreeRef tree) {
    return new Children(dirPath, tree);
  }

  private final class Children implements Iterator<Entry> {
    private final String dirPath;
    private final TreeRef tree;
    private LevelCursor cursor;
    private Node page;
    private int position;
    private boolean done;

    Children(String dirPath, TreeRef tree) {
      this.dirPath = dirPath;
      this.tree = tree;
      this.done = tree.isEmpty();
    }

    @Override
    public boolean hasNext() {
      if (done) {
        return false;
      }
      try {
        if (cursor == null) {
          cursor = new LevelCursor(nodes, nodes.node(tree.nodeKey()), 0);
          cursor.seekFirst();
          page = cursor.page();
        } else if (position == page.size()) {
          if (!cursor.next()) {
            done = true;
            page = null;
            return false;
          }
          page = cursor.page();
          position = 0;
        }
        return true;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public Entry next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      LeafEntry leaf = page.leaf(position++);
      try {
        return entry(TreePaths.child(dirPath, leaf.name()), leaf);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
