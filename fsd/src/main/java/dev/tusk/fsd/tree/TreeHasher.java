package dev.tusk.fsd.tree;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * The logical hash of pages and directories: it covers the names, types and content hashes of the
 * entries and nothing else, so identical files give identical hashes however their bytes were
 * packed into chunks. It is part of the stored format and must never change.
 *
 * <ul>
 *   <li>leaf page: SHA-256 of the ASCII tag {@code tusk-tree-leaf-1}, then for each entry in name
 *       order its name's UTF-8 length (4 bytes, big-endian), the name's UTF-8 bytes, a type byte (0
 *       file, 1 directory) and its 32-byte content hash;
 *   <li>index page on level L: SHA-256 of the ASCII tag {@code tusk-tree-index-1}, the byte L, then
 *       each child page's 32-byte logical hash in order;
 *   <li>directory: its root page's hash; the empty directory's is that of a leaf page with no
 *       entries.
 * </ul>
 *
 * <p>Page boundaries depend only on names (see {@link PageChunker}), so a directory's hash is a
 * function of its entries' names, types and content hashes alone.
 */
final class TreeHasher {
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] LEAF_TAG = "tusk-tree-leaf-1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] INDEX_TAG = "tusk-tree-index-1".getBytes(StandardCharsets.US_ASCII);

  static final String EMPTY_HASH = HEX.formatHex(NodeKeys.sha256().digest(LEAF_TAG));

  private TreeHasher() {}

  /** The logical hash of {@code node}. */
  static String hash(Node node) {
    MessageDigest sha = NodeKeys.sha256();
    List<PageEntry> entries = node.entries();
    if (node.isLeaf()) {
      sha.update(LEAF_TAG);
      for (PageEntry entry : entries) {
        LeafEntry leaf = (LeafEntry) entry;
        byte[] name = leaf.name().getBytes(StandardCharsets.UTF_8);
        sha.update((byte) (name.length >>> 24));
        sha.update((byte) (name.length >>> 16));
        sha.update((byte) (name.length >>> 8));
        sha.update((byte) name.length);
        sha.update(name);
        sha.update((byte) (leaf.type() == EntryType.FILE ? 0 : 1));
        sha.update(HEX.parseHex(leaf.hash()));
      }
    } else {
      sha.update(INDEX_TAG);
      sha.update((byte) node.level());
      for (PageEntry entry : entries) {
        sha.update(HEX.parseHex(((IndexEntry) entry).childHash()));
      }
    }
    return HEX.formatHex(sha.digest());
  }
}
