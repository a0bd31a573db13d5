package dev.tusk.fsd.tree;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The differences between two trees, in path order, computed lazily and skipping every pair of
 * subtrees or pages with equal logical hashes, so it reads O(changes x height) pages.
 *
 * <p>For each pair of directories that differ, both sides are sequences of pending items: leaf
 * entries and not yet expanded subtrees (index entries). Like a merge join, it looks at both heads:
 * two subtrees with the same hash hold the same entries and are dropped together; otherwise the
 * subtree that starts first (or, starting at the same name, the taller one) is expanded into its
 * children; two entries are compared by name. Since a directory's pages are a function of its
 * names, the unchanged parts of both sides line up into identical pages.
 */
final class TreeDiffer implements Iterator<Diff> {
  private final NodeStore nodes;
  private final TreeReader reader;
  private final Deque<Frame> frames = new ArrayDeque<>();
  private Diff next;

  /**
   * The differences below {@code path} between {@code older} and {@code newer} (either may be
   * null).
   */
  TreeDiffer(NodeStore nodes, TreeReader reader, String path, Entry older, Entry newer)
      throws IOException {
    this.nodes = nodes;
    this.reader = reader;
    if (older == null || newer == null || older.type() != newer.type()) {
      next = older == null && newer == null ? null : new Diff(path, older, newer);
    } else if (!older.hash().equals(newer.hash())) {
      if (older.type() == EntryType.FILE) {
        next = new Diff(path, older, newer);
      } else {
        push(path, older.tree(), newer.tree());
      }
    }
  }

  @Override
  public boolean hasNext() {
    if (next == null) {
      try {
        next = advance();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return next != null;
  }

  @Override
  public Diff next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Diff diff = next;
    next = null;
    return diff;
  }

  private Diff advance() throws IOException {
    while (!frames.isEmpty()) {
      Frame frame = frames.peek();
      Item a = frame.older.peekFirst();
      Item b = frame.newer.peekFirst();
      if (a == null && b == null) {
        frames.pop();
        continue;
      }
      boolean aTree = a != null && a.isSubtree();
      boolean bTree = b != null && b.isSubtree();
      if (aTree && bTree) {
        if (a.hash().equals(b.hash())) {
          frame.older.pollFirst();
          frame.newer.pollFirst();
        } else {
          int order = TreePaths.compareNames(a.name(), b.name());
          expand(order < 0 || (order == 0 && a.level >= b.level) ? frame.older : frame.newer);
        }
      } else if (aTree) {
        if (b != null && TreePaths.compareNames(b.name(), a.name()) < 0) {
          return added(frame, frame.newer.pollFirst());
        }
        expand(frame.older);
      } else if (bTree) {
        if (a != null && TreePaths.compareNames(a.name(), b.name()) < 0) {
          return deleted(frame, frame.older.pollFirst());
        }
        expand(frame.newer);
      } else {
        int order = a == null ? 1 : b == null ? -1 : TreePaths.compareNames(a.name(), b.name());
        if (order < 0) {
          return deleted(frame, frame.older.pollFirst());
        }
        if (order > 0) {
          return added(frame, frame.newer.pollFirst());
        }
        frame.older.pollFirst();
        frame.newer.pollFirst();
        Diff diff = compare(frame.dir, (LeafEntry) a.entry, (LeafEntry) b.entry);
        if (diff != null) {
          return diff;
        }
      }
    }
    return null;
  }

  /** Two entries of the same name: a diff, nothing, or a new frame for differing directories. */
  private Diff compare(String dir, LeafEntry older, LeafEntry newer) throws IOException {
    if (older.hash().equals(newer.hash()) && older.type() == newer.type()) {
      return null;
    }
    String path = TreePaths.child(dir, older.name());
    if (older.type() == EntryType.DIR && newer.type() == EntryType.DIR) {
      push(path, older.tree(), newer.tree());
      return null;
    }
    return new Diff(path, reader.entry(path, older), reader.entry(path, newer));
  }

  private Diff added(Frame frame, Item item) throws IOException {
    String path = TreePaths.child(frame.dir, item.name());
    return new Diff(path, null, reader.entry(path, (LeafEntry) item.entry));
  }

  private Diff deleted(Frame frame, Item item) throws IOException {
    String path = TreePaths.child(frame.dir, item.name());
    return new Diff(path, reader.entry(path, (LeafEntry) item.entry), null);
  }

  private void push(String dir, TreeRef older, TreeRef newer) throws IOException {
    Frame frame = new Frame(dir);
    addPage(frame.older, older.isEmpty() ? null : nodes.node(older.nodeKey()));
    addPage(frame.newer, newer.isEmpty() ? null : nodes.node(newer.nodeKey()));
    frames.push(frame);
  }

  /** Replaces the subtree at the head of {@code items} by its child page's entries. */
  private void expand(Deque<Item> items) throws IOException {
    Item subtree = items.pollFirst();
    addPage(items, nodes.node(((IndexEntry) subtree.entry).childKey()));
  }

  private static void addPage(Deque<Item> items, Node page) {
    if (page != null) {
      for (int i = page.size() - 1; i >= 0; i--) {
        items.addFirst(new Item(page.entries().get(i), page.level()));
      }
    }
  }

  /** An entry of a page on {@code level}: a leaf entry on level 0, a subtree above. */
  private record Item(PageEntry entry, int level) {
    boolean isSubtree() {
      return level > 0;
    }

    String name() {
      return entry.name();
    }

    String hash() {
      return ((IndexEntry) entry).childHash();
    }
  }

  /** The pending items of both sides of one pair of differing directories. */
  private static final class Frame {
    final String dir;
    final Deque<Item> older = new ArrayDeque<>();
    final Deque<Item> newer = new ArrayDeque<>();

    Frame(String dir) {
      this.dir = dir;
    }
  }
}
