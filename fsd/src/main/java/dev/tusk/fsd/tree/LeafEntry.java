package dev.tusk.fsd.tree;

import dev.tusk.chunkstore.FileContent;
import java.util.Objects;

/**
 * A file or subdirectory in a leaf page. A file's content sits in the page unless it has more than
 * {@link #INLINE_MAX_REFS} data refs; then the page holds only its hash, size and the key of a
 * separate object with the content, so that huge files do not bloat the pages of their directory.
 *
 * @param content inline file content, else {@code null}
 * @param contentKey the object holding the file content when not inline, else {@code null}
 * @param tree the subdirectory, else {@code null}
 */
record LeafEntry(
    String name,
    EntryType type,
    String hash,
    long size,
    FileContent content,
    String contentKey,
    TreeRef tree)
    implements PageEntry {

  /** About 8 MiB of default-sized chunks. */
  static final int INLINE_MAX_REFS = 16;

  LeafEntry {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(hash, "hash");
    boolean valid =
        type == EntryType.FILE
            ? tree == null
                && (content == null) != (contentKey == null)
                && (content == null || (content.hash().equals(hash) && content.size() == size))
            : tree != null
                && content == null
                && contentKey == null
                && tree.hash().equals(hash)
                && tree.size() == size;
    if (!valid) {
      throw new IllegalArgumentException("Inconsistent " + type + " entry '" + name + "'");
    }
  }

  static LeafEntry inlineFile(String name, FileContent content) {
    return new LeafEntry(name, EntryType.FILE, content.hash(), content.size(), content, null, null);
  }

  static LeafEntry externalFile(String name, String hash, long size, String contentKey) {
    return new LeafEntry(name, EntryType.FILE, hash, size, null, contentKey, null);
  }

  static LeafEntry dir(String name, TreeRef tree) {
    return new LeafEntry(name, EntryType.DIR, tree.hash(), tree.size(), null, null, tree);
  }

  @Override
  public long count() {
    return 1;
  }

  @Override
  public long fileCount() {
    return type == EntryType.FILE ? 1 : tree.fileCount();
  }
}
