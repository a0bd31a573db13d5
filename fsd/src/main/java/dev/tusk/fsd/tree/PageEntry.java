package dev.tusk.fsd.tree;

/**
 * One entry of a directory page: a {@link LeafEntry} (a file or subdirectory) on level 0, an {@link
 * IndexEntry} (a child page) above. Pages of every level are cut by the same rule over {@link
 * #name()}, so one {@link DirectoryUpdater} handles them all.
 */
sealed interface PageEntry permits LeafEntry, IndexEntry {

  /** The entry's name, or the first name below a child page: the key pages are sorted by. */
  String name();

  /** Directory entries at or below this entry. */
  long count();

  /** Bytes in the files at or below this entry, recursively. */
  long size();

  /** Files at or below this entry, recursively. */
  long fileCount();
}
