package dev.tusk.fsd.tree;

import dev.tusk.api.ErrorCode;
import dev.tusk.chunkstore.ObjectStore;
import dev.tusk.fsd.PfsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.Executor;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The file trees of commits, stored as Merkle trees of immutable objects in an {@link ObjectStore}.
 *
 * <p><b>Structure.</b> Each directory is a B-tree of pages (a "prolly tree"). A leaf page holds
 * entries in name order: a file with its content (or, past 16 data refs, the key of a separate
 * object holding it), or a subdirectory with its {@link TreeRef}. An index page holds, per child
 * page, its first name, key, logical hash, entry count, size and file count. Page boundaries are
 * content-defined from the names alone: a page ends after an entry whose 64-bit name hash (seeded
 * by the level) has its low 9 bits (leaves) or 8 bits (index pages) zero, or, past 64 KiB of weight
 * (64 + name bytes per entry), its low 2 bits zero, or past 256 KiB of weight. So a directory's
 * pages, and every hash, are a deterministic function of its entries whatever the order they were
 * added in, and a change moves only the boundaries next to it. Pages are stored under {@code
 * trees/<2 hex>/<sha-256 of the bytes>} with put-if-absent, and shared by every tree that has them:
 * a commit writes O(changed paths x depth x page height) new pages, not a copy of the tree.
 *
 * <p><b>Hashes.</b> A file's hash is {@link dev.tusk.chunkstore.FileContent#hash
 * FileContent.hash()}. A directory's hash is its root page's logical hash, where
 *
 * <ul>
 *   <li>a leaf page's is SHA-256 of the ASCII {@code tusk-tree-leaf-1}, then for each entry its
 *       name's UTF-8 length (4 bytes, big-endian), the UTF-8 name, a type byte (0 file, 1
 *       directory) and its 32-byte content hash;
 *   <li>an index page's, on level L, is SHA-256 of the ASCII {@code tusk-tree-index-1}, the byte L
 *       and each child page's 32-byte logical hash;
 *   <li>the empty directory's ({@link TreeRef#EMPTY}) is that of a leaf page with no entries.
 * </ul>
 *
 * It covers names, types and content hashes only, never data refs, so identical files give
 * identical directory hashes however they were packed into chunks, and {@link #diff} can skip equal
 * subtrees and pages. An update recomputes it only for the pages it rewrites.
 *
 * <p><b>Semantics.</b> Paths are normalized ({@link TreePaths}); names are ordered by code point,
 * and "path order" is a pre-order walk in that order (a directory before its contents, {@code /a/b}
 * before {@code /a-c}). A directory exists until it is deleted: putting a file creates its missing
 * parents, and deleting the last entry of a directory leaves it empty, as in a POSIX file system.
 * Deleting a directory deletes everything under it; deleting {@code "/"} empties the tree.
 *
 * <p><b>Errors.</b> {@link PfsException}s: INVALID_ARGUMENT for a bad path, NOT_A_DIRECTORY when a
 * change needs a directory where a file is (a parent of the path, or the path itself for {@link
 * TreeChange.MakeDir} and copied directories), IS_A_DIRECTORY when a file would replace a
 * directory, FILE_NOT_FOUND for deleting, listing or walking a missing path. Store failures are
 * {@link IOException}s, or {@link UncheckedIOException}s once a lazy stream is being consumed.
 *
 * <p>Thread-safe: trees are immutable, and decoded pages are cached by key (they never change) in a
 * cache bounded by {@code cacheBytes} of estimated heap.
 */
public final class TreeStore {
  private final NodeStore nodes;
  private final TreeReader reader;
  private final DirectoryUpdater updater;

  /**
   * A store of trees in {@code objects} caching up to about {@code cacheBytes} of decoded pages; it
   * writes the new objects of an update one after the other, in the calling thread.
   */
  public TreeStore(ObjectStore objects, long cacheBytes) {
    this(objects, cacheBytes, Runnable::run);
  }

  /**
   * Like {@link #TreeStore(ObjectStore, long)}, but writing the new objects of an update in
   * parallel on {@code writeExecutor} (a bounded I/O pool that the caller owns), so that an update
   * waits for about one object write rather than one per page. {@link #apply} still returns only
   * once all are durable.
   */
  public TreeStore(ObjectStore objects, long cacheBytes, Executor writeExecutor) {
    this(objects, cacheBytes, writeExecutor, PageChunker.Rule.DEFAULT);
  }

  /** With another page rule, for tests that want deep trees from few entries. */
  TreeStore(ObjectStore objects, long cacheBytes, PageChunker.Rule rule) {
    this(objects, cacheBytes, Runnable::run, rule);
  }

  private TreeStore(
      ObjectStore objects, long cacheBytes, Executor writeExecutor, PageChunker.Rule rule) {
    this.nodes = new NodeStore(objects, cacheBytes, writeExecutor);
    this.reader = new TreeReader(nodes);
    this.updater = new DirectoryUpdater(nodes, rule);
  }

  /**
   * The tree {@code root} with {@code changes} applied as if one after the other (a later change
   * sees and overrides the earlier ones), but written as one batch: each touched directory is
   * rewritten once, with only the pages around its changed names. Every new object is durable when
   * this returns. If any change is invalid nothing is returned, though objects already written may
   * remain (unreferenced).
   */
  public TreeRef apply(TreeRef root, List<TreeChange> changes) throws IOException {
    ChangeBatch batch = new ChangeBatch(reader, nodes, root);
    for (TreeChange change : changes) {
      batch.stage(change);
    }
    return batch.write(updater);
  }

  /** What {@code path} holds in {@code root}; {@code "/"} is the root directory. */
  public Optional<Entry> get(TreeRef root, String path) throws IOException {
    return reader.get(root, TreePaths.normalize(path));
  }

  /**
   * The children of the directory {@code dirPath} in name order, read lazily one page at a time; a
   * file path lists just that file.
   *
   * @throws PfsException FILE_NOT_FOUND if nothing is at {@code dirPath}
   */
  public Stream<Entry> list(TreeRef root, String dirPath) throws IOException {
    Entry entry = existing(root, dirPath);
    if (entry.type() == EntryType.FILE) {
      return Stream.of(entry);
    }
    return stream(reader.children(entry.path(), entry.tree()));
  }

  /**
   * The entry at {@code path} followed by everything below it, in path order (pre-order, children
   * by name), read lazily: memory holds one page per directory level being walked.
   *
   * @throws PfsException FILE_NOT_FOUND if nothing is at {@code path}
   */
  public Stream<Entry> walk(TreeRef root, String path) throws IOException {
    return stream(new Walk(existing(root, path)));
  }

  /**
   * What changed at and below {@code path} from {@code older} to {@code newer}, in path order,
   * reading O(changes) pages: equal subtrees are skipped by hash. A file is reported when added,
   * deleted or changed in content hash (not when only its data refs differ). A directory added or
   * deleted as a whole is reported as one diff of the directory entry, not of its files (walk it
   * for those); a directory present on both sides is not reported itself, only what changed inside
   * it. A path whose type changed is one diff with both sides. Nothing at {@code path} on either
   * side gives no diffs.
   */
  public Stream<Diff> diff(TreeRef older, TreeRef newer, String path) throws IOException {
    String normalized = TreePaths.normalize(path);
    Entry before = reader.get(older, normalized).orElse(null);
    Entry after = reader.get(newer, normalized).orElse(null);
    return stream(new TreeDiffer(nodes, reader, normalized, before, after));
  }

  private Entry existing(TreeRef root, String path) throws IOException {
    String normalized = TreePaths.normalize(path);
    return reader
        .get(root, normalized)
        .orElseThrow(
            () ->
                new PfsException(
                    ErrorCode.FILE_NOT_FOUND, "No such file or directory: " + normalized));
  }

  private static <T> Stream<T> stream(Iterator<T> iterator) {
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(
            iterator, Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.DISTINCT),
        false);
  }

  /** A pre-order walk holding one directory listing per level. */
  private final class Walk implements Iterator<Entry> {
    private final Deque<Iterator<Entry>> listings = new ArrayDeque<>();
    private Entry next;

    Walk(Entry start) {
      next = start;
    }

    @Override
    public boolean hasNext() {
      while (next == null && !listings.isEmpty()) {
        Iterator<Entry> listing = listings.peek();
        if (listing.hasNext()) {
          next = listing.next();
        } else {
          listings.pop();
        }
      }
      return next != null;
    }

    @Override
    public Entry next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Entry entry = next;
      next = null;
      if (entry.type() == EntryType.DIR) {
        listings.push(reader.children(entry.path(), entry.tree()));
      }
      return entry;
    }
  }
}
