package dev.tusk.fsd.tree;

import dev.tusk.chunkstore.FileContent;
import java.util.Objects;

/**
 * One change to a file tree; {@link TreeStore#apply} applies a list of them as if one after the
 * other. Paths are normalized on construction, so a bad one fails here with INVALID_ARGUMENT.
 */
public sealed interface TreeChange {

  /** The normalized path the change is about. */
  String path();

  /** Creates or replaces the file at {@code path}, creating missing parent directories. */
  record PutFile(String path, FileContent content) implements TreeChange {
    public PutFile {
      path = TreePaths.normalize(path);
      Objects.requireNonNull(content, "content");
    }
  }

  /** Creates an empty directory at {@code path} (and its parents) unless it already exists. */
  record MakeDir(String path) implements TreeChange {
    public MakeDir {
      path = TreePaths.normalize(path);
    }
  }

  /** Removes the file or the whole directory at {@code path}; {@code "/"} empties the tree. */
  record Delete(String path) implements TreeChange {
    public Delete {
      path = TreePaths.normalize(path);
    }
  }

  /**
   * Places {@code source}, a file or directory of any tree in the same object store, at {@code
   * path} by reference: no bytes are copied and a directory's pages are shared. A file behaves like
   * {@link PutFile}; a directory replaces (does not merge with) a directory already at {@code
   * path}, creates missing parents, and fails with NOT_A_DIRECTORY over a file.
   */
  record Copy(String path, Entry source) implements TreeChange {
    public Copy {
      path = TreePaths.normalize(path);
      Objects.requireNonNull(source, "source");
    }
  }
}
