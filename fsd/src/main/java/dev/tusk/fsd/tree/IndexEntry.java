package dev.tusk.fsd.tree;

/**
 * A child page in an index page.
 *
 * @param name the first name in the child's subtree
 * @param childKey the child page's object key
 * @param childHash the child page's logical hash (see {@link TreeHasher})
 * @param count directory entries below the child
 * @param size bytes in the files below the child, recursively
 * @param fileCount files below the child, recursively
 */
record IndexEntry(
    String name, String childKey, String childHash, long count, long size, long fileCount)
    implements PageEntry {}
