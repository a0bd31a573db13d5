package dev.tusk.mount;

import dev.tusk.api.v1.DataRef;
import dev.tusk.api.v1.FileInfo;
import dev.tusk.chunkstore.ChunkId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The order of one listed directory of a finished commit, for reading ahead across its files: a
 * program that opens the files of a directory one after another ({@code cat *}, {@code tar},
 * {@code cp -r}) gets the chunks of the next files fetched in parallel while it reads this one,
 * instead of one backend round trip per small file. Thread-safe; races only cost a prefetch.
 */
final class SiblingReadAhead {
  /** Opens at most this far past the last one still count as going through the directory in order. */
  private static final int IN_ORDER_SLACK = 16;

  private final String[] paths;
  /** starts[i] is the bytes of the entries before i: the byte distance between any two entries. */
  private final long[] starts;
  private volatile int lastOpened = -1;
  private volatile int prefetchedUpTo;

  private SiblingReadAhead(String[] paths, long[] starts) {
    this.paths = paths;
    this.starts = starts;
  }

  /** Collects a directory's entries as the daemon lists them (name order), without keeping their infos. */
  static final class Builder {
    private final List<String> paths = new ArrayList<>();
    private long[] starts = new long[64];

    void add(String path, long size) {
      int i = paths.size();
      if (i + 1 == starts.length) {
        starts = Arrays.copyOf(starts, starts.length * 2);
      }
      starts[i + 1] = starts[i] + size;
      paths.add(path);
    }

    SiblingReadAhead build() {
      return new SiblingReadAhead(paths.toArray(String[]::new), Arrays.copyOf(starts, paths.size() + 1));
    }
  }

  int size() {
    return paths.length;
  }

  /**
   * Says that the entry at {@code path} was opened; returns the paths of the entries whose content
   * to fetch now (up to {@code budgetBytes} past this one, not asked for before), empty when the
   * opens do not go through the directory in order.
   */
  List<String> opened(String path, long budgetBytes) {
    int index = indexOf(path);
    if (index < 0) {
      return List.of();
    }
    int last = lastOpened;
    lastOpened = index;
    boolean inOrder = last < 0 ? index == 0 : index > last && index - last <= IN_ORDER_SLACK;
    if (!inOrder) {
      return List.of();
    }
    int from = Math.max(index + 1, prefetchedUpTo);
    int to = upTo(index, budgetBytes);
    if (from >= to) {
      return List.of();
    }
    prefetchedUpTo = to;
    return Arrays.asList(paths).subList(from, to);
  }

  /** The end (exclusive) of the entries after {@code index} that fit in {@code budgetBytes}, at least one. */
  private int upTo(int index, long budgetBytes) {
    long limit = starts[index + 1] + budgetBytes;
    int i = Arrays.binarySearch(starts, index + 1, starts.length, limit);
    int end = i >= 0 ? i : -i - 1;
    return Math.min(paths.length, Math.max(end, index + 2));
  }

  private int indexOf(String path) {
    // The daemon lists in byte order, which is String order but for rare names: those are then
    // not found here, and only miss the read-ahead.
    int i = Arrays.binarySearch(paths, path);
    return i >= 0 && paths[i].equals(path) ? i : -1;
  }

  /** Chunk ids in first-use order, without repeats: small files share chunks. */
  static Set<ChunkId> chunksOf(List<FileInfo> files) {
    Set<ChunkId> ids = new LinkedHashSet<>();
    for (FileInfo file : files) {
      for (DataRef ref : file.getDataList()) {
        ids.add(ChunkId.fromDigest(ref.getChunk().toByteArray()));
      }
    }
    return ids;
  }
}
