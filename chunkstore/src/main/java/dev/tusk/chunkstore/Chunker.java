package dev.tusk.chunkstore;

/**
 * Content-defined chunk boundaries: FastCDC's gear hash with normalized chunking (Xia et al., "The
 * Design of Fast Content-Defined Chunking", 2020). A cut depends only on the 64 bytes before it, so
 * an edit moves only the boundaries near it and the rest of a file dedups against its old version.
 *
 * <p>No cut falls before {@code min} bytes (those are not even hashed), none after {@code max}.
 * Between {@code min} and {@code avg} a stricter mask makes cuts rarer, after {@code avg} a looser one
 * makes them likelier ("normalized chunking"), which keeps sizes close to {@code avg}.
 *
 * <p>The gear table is a fixed function of a fixed seed: changing it, or the sizes, changes every
 * chunk id and content hash, so both are part of the storage format.
 */
public final class Chunker {
  /** 128 KiB / 512 KiB / 4 MiB: the sizes chosen by measurement (see chunkstore/README.md). */
  public static final Chunker DEFAULT = new Chunker(128 * 1024, 512 * 1024, 4 * 1024 * 1024);

  /** Level 1, not FastCDC's usual 2: a looser spread of sizes, but edits resynchronize sooner. */
  private static final int NORMALIZATION = 1;
  private static final long[] GEAR = gearTable(0x7475736b_63646331L); // "tuskcdc1"

  private final int min;
  private final int avg;
  private final int max;
  private final long strictMask;
  private final long looseMask;

  /** Sizes in bytes; {@code avg} must be a power of two, and {@code 64 <= min < avg < max}. */
  public Chunker(int min, int avg, int max) {
    if (Integer.bitCount(avg) != 1 || min < 64 || min >= avg || avg >= max) {
      throw new IllegalArgumentException(
          "Chunk sizes must satisfy 64 <= min < avg < max with avg a power of two, got "
              + min + "/" + avg + "/" + max);
    }
    this.min = min;
    this.avg = avg;
    this.max = max;
    int bits = Integer.numberOfTrailingZeros(avg);
    // High bits: with a left-shifting hash they depend on the most bytes of the window.
    this.strictMask = -1L << (64 - (bits + NORMALIZATION));
    this.looseMask = -1L << (64 - (bits - NORMALIZATION));
  }

  public int minSize() {
    return min;
  }

  public int avgSize() {
    return avg;
  }

  public int maxSize() {
    return max;
  }

  /**
   * The length of the chunk that starts at {@code data[from]}, given the {@code length} bytes
   * available there. The answer is final when {@code length >= maxSize()} or the input ends at
   * {@code from + length}; otherwise the caller must supply more bytes first.
   */
  public int cut(byte[] data, int from, int length) {
    if (length <= min) {
      return length;
    }
    int end = from + Math.min(length, max);
    int normal = from + Math.min(length, avg);
    long hash = 0;
    int i = from + min;
    for (; i < normal; i++) {
      hash = (hash << 1) + GEAR[data[i] & 0xff];
      if ((hash & strictMask) == 0) {
        return i + 1 - from;
      }
    }
    for (; i < end; i++) {
      hash = (hash << 1) + GEAR[data[i] & 0xff];
      if ((hash & looseMask) == 0) {
        return i + 1 - from;
      }
    }
    return end - from;
  }

  @Override
  public String toString() {
    return "Chunker[min=" + min + ", avg=" + avg + ", max=" + max + "]";
  }

  /** SplitMix64: a tiny, fully specified generator, so the table can never drift. */
  private static long[] gearTable(long seed) {
    long[] table = new long[256];
    long state = seed;
    for (int i = 0; i < table.length; i++) {
      state += 0x9e3779b97f4a7c15L;
      long z = state;
      z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
      z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
      table[i] = z ^ (z >>> 31);
    }
    return table;
  }
}
