package dev.tusk.fsd.s3;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.store.CommitRecord;
import dev.tusk.fsd.tree.Entry;
import dev.tusk.fsd.tree.EntryType;
import dev.tusk.fsd.version.Pfs;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/**
 * The objects of a commit as S3 lists them: keys in lexicographic (UTF-8 byte) order under a
 * prefix, after a marker, with {@code /}-delimited common prefixes or any other delimiter.
 *
 * <p>The tree orders a directory's names by code point and walks a directory before its contents
 * ({@code /a/b} before {@code /a-c}), but S3 orders whole keys, and {@code a-c} sorts before {@code
 * a/b} because {@code -} is below {@code /}. Each directory's children are therefore re-sorted by
 * key ({@code name} for files, {@code name/} for directories) with a small heap: every later child
 * sorts at or above the current name, so anything on the heap at or below it can go out, and the
 * heap holds only the directories waiting for the names that share their prefix. Subtrees that lie
 * wholly at or before the marker are skipped without being read. Lazy: memory is the depth of the
 * walk times the heap, never the listing.
 */
final class KeyWalker implements Iterator<KeyWalker.Item> {
  /** An object, or a common prefix (then {@code entry} is null). */
  record Item(String key, Entry entry) {
    boolean isPrefix() {
      return entry == null;
    }
  }

  private static final Comparator<String> KEY_ORDER = KeyWalker::compareKeys;

  private final Pfs pfs;
  private final CommitRecord commit;
  private final String prefix;
  private final String delimiter;
  private final ArrayDeque<Frame> stack = new ArrayDeque<>();
  private String after;
  private Item next;
  private String lastPrefix;

  /**
   * @param prefix keys must start with it ("" for all)
   * @param delimiter null, or what ends a common prefix
   * @param after only keys above it (the marker, start-after or continuation point), or null
   */
  KeyWalker(Pfs pfs, CommitRecord commit, String prefix, String delimiter, String after) {
    this.pfs = pfs;
    this.commit = commit;
    this.prefix = prefix;
    this.delimiter = delimiter == null || delimiter.isEmpty() ? null : delimiter;
    this.after = after == null ? "" : after;
    int slash = prefix.lastIndexOf('/');
    String dir = slash < 0 ? "" : prefix.substring(0, slash + 1);
    if (commit != null && isDirectory(dir)) {
      stack.push(new Frame(dir, true));
    }
  }

  /** The key that was returned last, so a later page can continue after it. */
  String position() {
    return after;
  }

  @Override
  public boolean hasNext() {
    while (next == null) {
      Frame top = stack.peek();
      if (top == null) {
        return false;
      }
      Child child = top.next();
      if (child == null) {
        stack.pop();
        continue;
      }
      next = consider(top, child);
    }
    return true;
  }

  @Override
  public Item next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Item item = next;
    next = null;
    after = item.key();
    return item;
  }

  private Item consider(Frame frame, Child child) {
    String key = child.key;
    if (frame.top && !key.startsWith(prefix)) {
      return null;
    }
    if (child.entry.type() == EntryType.DIR) {
      if (compareKeys(after, key) > 0 && !after.startsWith(key)) {
        return null; // everything inside sorts before the marker
      }
      if ("/".equals(delimiter) && key.length() > prefix.length()) {
        return compareKeys(key, after) > 0 ? new Item(key, null) : null;
      }
      stack.push(new Frame(key, false));
      return null;
    }
    if (delimiter != null) {
      int cut = key.indexOf(delimiter, prefix.length());
      if (cut >= 0) {
        String common = key.substring(0, cut + delimiter.length());
        if (common.equals(lastPrefix) || compareKeys(common, after) <= 0) {
          return null;
        }
        lastPrefix = common;
        return new Item(common, null);
      }
    }
    return compareKeys(key, after) > 0 ? new Item(key, child.entry) : null;
  }

  private boolean isDirectory(String dir) {
    if (dir.isEmpty()) {
      return true;
    }
    try {
      return pfs.lookup(commit, "/" + dir.substring(0, dir.length() - 1)).type() == EntryType.DIR;
    } catch (PfsException e) {
      if (e.code() == ErrorCode.FILE_NOT_FOUND || e.code() == ErrorCode.NOT_A_DIRECTORY
          || e.code() == ErrorCode.INVALID_ARGUMENT) {
        return false;
      }
      throw e;
    }
  }

  private record Child(String key, String name, Entry entry) {}

  /** One directory being listed, children re-sorted into key order. */
  private final class Frame {
    final String dirKey;
    final boolean top;
    final Iterator<Entry> children;
    final PriorityQueue<Child> waiting = new PriorityQueue<>((a, b) -> KEY_ORDER.compare(a.key, b.key));
    /** The key of the last child read from the tree ({@code dirKey + name}), or null. */
    String lastKey;

    Frame(String dirKey, boolean top) {
      this.dirKey = dirKey;
      this.top = top;
      String path = dirKey.isEmpty() ? "/" : "/" + dirKey.substring(0, dirKey.length() - 1);
      this.children = pfs.listFile(commit, path).iterator();
    }

    /** The next child in key order, or null when done. */
    Child next() {
      while (true) {
        Child head = waiting.peek();
        if (head != null && lastKey != null && compareKeys(head.key, lastKey) <= 0) {
          return waiting.poll();
        }
        if (!children.hasNext()) {
          lastKey = null;
          return waiting.poll();
        }
        Entry entry = children.next();
        String name = entry.path().substring(entry.path().lastIndexOf('/') + 1);
        String fileKey = dirKey + name;
        boolean dir = entry.type() == EntryType.DIR;
        String key = dir ? fileKey + "/" : fileKey;
        lastKey = fileKey;
        if (!dir && waiting.isEmpty()) {
          // Nothing waits, and no later child sorts below this one: it goes out without the heap.
          return new Child(key, name, entry);
        }
        waiting.add(new Child(key, name, entry));
      }
    }
  }

  /**
   * UTF-8 byte order, which for valid strings is code point order. Compared char by char, since at
   * the first difference UTF-16 order is code point order except that surrogates (code points above
   * U+FFFF) must sort above U+E000..U+FFFF; shifting both ranges fixes that (as ICU does).
   */
  static int compareKeys(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char ca = a.charAt(i);
      char cb = b.charAt(i);
      if (ca != cb) {
        return Integer.compare(codePointOrder(ca), codePointOrder(cb));
      }
    }
    return Integer.compare(a.length(), b.length());
  }

  private static int codePointOrder(char c) {
    return c >= 0xE000 ? c - 0x800 : c >= 0xD800 ? c + 0x2000 : c;
  }
}
