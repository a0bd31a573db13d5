package dev.tusk.fsd.tree;

import dev.tusk.chunkstore.FileContent;
import java.util.Objects;

/**
 * What a path holds: a file with its content, or a directory with its subtree.
 *
 * @param path absolute and normalized (see {@link TreePaths#normalize})
 * @param size bytes; for a directory, of all files below it
 * @param hash the content hash: {@link FileContent#hash()} for files, {@link TreeRef#hash()} for
 *     directories
 * @param content the file's bytes as stored; {@code null} for directories
 * @param tree the directory's subtree; {@code null} for files
 */
public record Entry(
    String path, EntryType type, long size, String hash, FileContent content, TreeRef tree) {

  public Entry {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(type, "type");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("Entry path '" + path + "' is not absolute");
    }
    if (type == EntryType.FILE) {
      if (content == null
          || tree != null
          || size != content.size()
          || !content.hash().equals(hash)) {
        throw new IllegalArgumentException(
            "File entry " + path + " must carry exactly its content");
      }
    } else if (tree == null
        || content != null
        || size != tree.size()
        || !tree.hash().equals(hash)) {
      throw new IllegalArgumentException(
          "Directory entry " + path + " must carry exactly its tree");
    }
  }

  /** A file at {@code path}. */
  public static Entry file(String path, FileContent content) {
    return new Entry(path, EntryType.FILE, content.size(), content.hash(), content, null);
  }

  /** A directory at {@code path}. */
  public static Entry dir(String path, TreeRef tree) {
    return new Entry(path, EntryType.DIR, tree.size(), tree.hash(), null, tree);
  }
}
