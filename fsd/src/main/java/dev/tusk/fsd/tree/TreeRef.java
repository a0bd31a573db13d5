package dev.tusk.fsd.tree;

import java.util.Objects;

/**
 * A (sub)tree of a commit: the object-store key of its root page plus its logical hash, its
 * recursive size in bytes and the number of files in it. Two trees with the same files (names,
 * types and content hashes) have the same {@link #hash}; their {@link #nodeKey}s are equal too when
 * the files' bytes are also packed into the same chunks.
 *
 * @param nodeKey {@code trees/<2 hex>/<sha-256 of the page>}, or empty for {@link #EMPTY}
 * @param hash the logical hash (defined in {@link TreeStore}), 64 lowercase hex digits
 * @param size bytes in all the files below, recursively
 * @param fileCount files below, recursively
 */
public record TreeRef(String nodeKey, String hash, long size, long fileCount) {

  /** The empty directory: it needs no object in the store. */
  public static final TreeRef EMPTY = new TreeRef("", TreeHasher.EMPTY_HASH, 0, 0);

  public TreeRef {
    Objects.requireNonNull(nodeKey, "nodeKey");
    Objects.requireNonNull(hash, "hash");
    if (!NodeKeys.isHex64(hash)) {
      throw new IllegalArgumentException(
          "Invalid tree hash '" + hash + "': expected 64 lowercase hex digits");
    }
    if (size < 0 || fileCount < 0) {
      throw new IllegalArgumentException(
          "Invalid tree " + nodeKey + ": size " + size + ", files " + fileCount);
    }
    if (nodeKey.isEmpty()) {
      if (size != 0 || fileCount != 0 || !hash.equals(TreeHasher.EMPTY_HASH)) {
        throw new IllegalArgumentException("A tree without a root page must be the empty tree");
      }
    } else {
      NodeKeys.checkKey(nodeKey);
    }
  }

  /** Whether this is the empty directory. */
  public boolean isEmpty() {
    return nodeKey.isEmpty();
  }
}
