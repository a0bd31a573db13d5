package dev.tusk.fsd.tree;

import java.nio.charset.StandardCharsets;

/**
 * Decides where the pages of one level of a directory end, from the entry names alone, so that a
 * directory's page structure (and so its hashes) is a deterministic function of its names, and an
 * edit moves only the boundaries next to it.
 *
 * <p>A page ends after an entry whose {@link #nameHash name hash} (seeded by the level) has its low
 * {@code leafBits} (level 0) or {@code indexBits} (above) bits zero. To bound page size it also
 * ends once the page's weight (the sum of {@value #ENTRY_WEIGHT} + UTF-8 name length over its
 * entries) passes {@code softLimit} and the low {@code looseBits} bits are zero, or passes {@code
 * hardLimit}. The weight ignores data refs on purpose: they must not influence the logical hash.
 * The state is only the weight since the page start, so two chunkings that cut at the same place
 * agree from there on. The default rule is part of the stored format and must never change.
 */
final class PageChunker {
  /** Weight of an entry besides its name: a rough size of a small file entry. */
  static final int ENTRY_WEIGHT = 64;

  /**
   * The cutting parameters.
   *
   * @param leafBits about 2^leafBits entries per leaf page
   * @param indexBits about 2^indexBits children per index page
   */
  record Rule(int leafBits, int indexBits, int looseBits, int softLimit, int hardLimit) {
    /**
     * About 512 entries per leaf and 256 children per index page; pages of about 64 KiB at most.
     */
    static final Rule DEFAULT = new Rule(9, 8, 2, 64 * 1024, 256 * 1024);

    Rule {
      if (leafBits < 1
          || indexBits < 1
          || looseBits < 0
          || looseBits > Math.min(leafBits, indexBits)
          || softLimit <= 0
          || hardLimit < softLimit) {
        throw new IllegalArgumentException("Invalid page rule " + this);
      }
    }
  }

  private final long mask;
  private final long looseMask;
  private final int softLimit;
  private final int hardLimit;
  private final int level;
  private long weight;

  PageChunker(Rule rule, int level) {
    this.level = level;
    this.mask = (1L << (level == 0 ? rule.leafBits() : rule.indexBits())) - 1;
    this.looseMask = (1L << rule.looseBits()) - 1;
    this.softLimit = rule.softLimit();
    this.hardLimit = rule.hardLimit();
  }

  /** Starts a new page. */
  void reset() {
    weight = 0;
  }

  /** Adds an entry to the current page; true if the page ends after it (and a new one starts). */
  boolean offer(String name) {
    byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
    weight += ENTRY_WEIGHT + utf8.length;
    long hash = nameHash(utf8, level);
    boolean cut =
        (hash & mask) == 0 || (weight > softLimit && (hash & looseMask) == 0) || weight > hardLimit;
    if (cut) {
      weight = 0;
    }
    return cut;
  }

  /**
   * A 64-bit hash of a name for a level: FNV-1a over the level byte and the name's UTF-8 bytes,
   * finished with MurmurHash3's fmix64 so that the low bits depend on every input bit.
   */
  static long nameHash(byte[] utf8, int level) {
    long h = 0xcbf29ce484222325L;
    h = (h ^ (level & 0xff)) * 0x100000001b3L;
    for (byte b : utf8) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
