package dev.tusk.fsd.tree;

import dev.tusk.api.ErrorCode;
import dev.tusk.chunkstore.FileContent;
import dev.tusk.fsd.PfsException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A list of {@link TreeChange}s collected into an overlay of the base tree, then written bottom-up.
 *
 * <p>Changes are staged one after the other with exactly the semantics of applying them in order
 * (later wins), checking each against the base tree and the changes before it; the overlay keeps,
 * for each touched directory, its base subtree and a sorted map of its touched names. Writing then
 * hands each directory's sorted edits to {@link DirectoryUpdater} in one batch, children before
 * parents, so a directory touched by many changes is rewritten once.
 */
final class ChangeBatch {
  private final TreeReader reader;
  private final NodeStore nodes;
  private PendingDir root;

  ChangeBatch(TreeReader reader, NodeStore nodes, TreeRef base) {
    this.reader = reader;
    this.nodes = nodes;
    this.root = new PendingDir(base);
  }

  /** Stages one change; a change that is invalid here throws and leaves the batch unusable. */
  void stage(TreeChange change) throws IOException {
    if (change instanceof TreeChange.PutFile put) {
      putFile(put.path(), put.content(), "put");
    } else if (change instanceof TreeChange.Copy copy) {
      if (copy.source().type() == EntryType.FILE) {
        putFile(copy.path(), copy.source().content(), "copy to");
      } else {
        putDir(copy.path(), copy.source().tree());
      }
    } else if (change instanceof TreeChange.MakeDir mkdir) {
      makeDir(mkdir.path());
    } else {
      delete(change.path());
    }
  }

  /**
   * Writes every touched directory, bottom-up, and returns the new root once every new object is
   * durable.
   */
  TreeRef write(DirectoryUpdater updater) throws IOException {
    NodeStore.Writes writes = nodes.writes();
    TreeRef written;
    try {
      written = write(root, updater, writes);
    } catch (IOException | RuntimeException e) {
      try {
        writes.await(); // no write may outlive the call
      } catch (IOException writeFailure) {
        e.addSuppressed(writeFailure);
      }
      throw e;
    }
    writes.await();
    return written;
  }

  private TreeRef write(PendingDir dir, DirectoryUpdater updater, NodeStore.Writes writes)
      throws IOException {
    List<DirectoryUpdater.Edit> edits = new ArrayList<>(dir.children.size());
    for (Map.Entry<String, Pending> child : dir.children.entrySet()) {
      String name = child.getKey();
      Pending pending = child.getValue();
      PageEntry entry;
      if (pending instanceof PendingFile file) {
        entry = fileEntry(name, file.content(), writes);
      } else if (pending instanceof PendingTree tree) {
        entry = LeafEntry.dir(name, tree.tree());
      } else if (pending instanceof PendingDir subdir) {
        TreeRef written = write(subdir, updater, writes);
        child.setValue(new PendingTree(written)); // lets the subdirectory's overlay be collected
        entry = LeafEntry.dir(name, written);
      } else {
        entry = null;
      }
      edits.add(new DirectoryUpdater.Edit(name, entry));
    }
    return updater.update(dir.base, edits, writes);
  }

  private static PageEntry fileEntry(String name, FileContent content, NodeStore.Writes writes) {
    if (content.refs().size() <= LeafEntry.INLINE_MAX_REFS) {
      return LeafEntry.inlineFile(name, content);
    }
    return LeafEntry.externalFile(
        name, content.hash(), content.size(), writes.writeContent(content));
  }

  private void putFile(String path, FileContent content, String verb) throws IOException {
    if (path.equals(TreePaths.ROOT)) {
      throw isADirectory(verb, path);
    }
    PendingDir parent = openParent(path, true, verb);
    String name = TreePaths.name(path);
    if (typeOf(parent, name) == EntryType.DIR) {
      throw isADirectory(verb, path);
    }
    parent.children.put(name, new PendingFile(content));
  }

  private void putDir(String path, TreeRef tree) throws IOException {
    if (path.equals(TreePaths.ROOT)) {
      root = new PendingDir(tree);
      return;
    }
    PendingDir parent = openParent(path, true, "copy to");
    String name = TreePaths.name(path);
    if (typeOf(parent, name) == EntryType.FILE) {
      throw notADirectory("copy to", path, path);
    }
    parent.children.put(name, new PendingTree(tree));
  }

  private void makeDir(String path) throws IOException {
    if (path.equals(TreePaths.ROOT)) {
      return;
    }
    PendingDir parent = openParent(path, true, "make directory");
    String name = TreePaths.name(path);
    EntryType type = typeOf(parent, name);
    if (type == EntryType.FILE) {
      throw notADirectory("make directory", path, path);
    }
    if (type == null) {
      parent.children.put(name, new PendingTree(TreeRef.EMPTY));
    }
  }

  private void delete(String path) throws IOException {
    if (path.equals(TreePaths.ROOT)) {
      root = new PendingDir(TreeRef.EMPTY);
      return;
    }
    PendingDir parent = openParent(path, false, "delete");
    String name = TreePaths.name(path);
    if (typeOf(parent, name) == null) {
      throw notFound("delete", path);
    }
    parent.children.put(name, Deleted.INSTANCE);
  }

  /** The overlay of the parent directory of {@code path}, created on the way if {@code create}. */
  private PendingDir openParent(String path, boolean create, String verb) throws IOException {
    PendingDir dir = root;
    List<String> names = TreePaths.segments(path);
    String at = TreePaths.ROOT;
    for (int i = 0; i < names.size() - 1; i++) {
      at = TreePaths.child(at, names.get(i));
      dir = openDir(dir, names.get(i), create, verb, path, at);
    }
    return dir;
  }

  private PendingDir openDir(
      PendingDir parent, String name, boolean create, String verb, String path, String at)
      throws IOException {
    Pending pending = parent.children.get(name);
    if (pending instanceof PendingDir dir) {
      return dir;
    }
    TreeRef existing = null;
    if (pending instanceof PendingTree tree) {
      existing = tree.tree();
    } else if (pending instanceof PendingFile) {
      throw notADirectory(verb, path, at);
    } else if (pending == null) {
      LeafEntry found = reader.find(parent.base, name);
      if (found != null && found.type() == EntryType.FILE) {
        throw notADirectory(verb, path, at);
      }
      existing = found == null ? null : found.tree();
    }
    if (existing == null) {
      if (!create) {
        throw notFound(verb, path);
      }
      existing = TreeRef.EMPTY;
    }
    PendingDir dir = new PendingDir(existing);
    parent.children.put(name, dir);
    return dir;
  }

  /** What {@code name} holds in the overlaid directory, or null if nothing. */
  private EntryType typeOf(PendingDir dir, String name) throws IOException {
    Pending pending = dir.children.get(name);
    if (pending == null) {
      LeafEntry found = reader.find(dir.base, name);
      return found == null ? null : found.type();
    }
    if (pending instanceof PendingFile) {
      return EntryType.FILE;
    }
    return pending == Deleted.INSTANCE ? null : EntryType.DIR;
  }

  private static PfsException isADirectory(String verb, String path) {
    return new PfsException(
        ErrorCode.IS_A_DIRECTORY, "Cannot " + verb + " " + path + ": it is a directory");
  }

  private static PfsException notADirectory(String verb, String path, String file) {
    String where = file.equals(path) ? "it" : file;
    return new PfsException(
        ErrorCode.NOT_A_DIRECTORY, "Cannot " + verb + " " + path + ": " + where + " is a file");
  }

  private static PfsException notFound(String verb, String path) {
    return new PfsException(
        ErrorCode.FILE_NOT_FOUND, "Cannot " + verb + " " + path + ": no such file or directory");
  }

  /** The staged state of one name in an overlaid directory. */
  private sealed interface Pending permits PendingFile, PendingTree, PendingDir, Deleted {}

  private record PendingFile(FileContent content) implements Pending {}

  /** A whole subtree put in place (made, copied, or already written). */
  private record PendingTree(TreeRef tree) implements Pending {}

  private enum Deleted implements Pending {
    INSTANCE
  }

  /** A directory with changes below it: its base subtree and its touched names. */
  private static final class PendingDir implements Pending {
    final TreeRef base;
    final TreeMap<String, Pending> children = new TreeMap<>(TreePaths.NAME_ORDER);

    PendingDir(TreeRef base) {
      this.base = base;
    }
  }
}
