package dev.tusk.agent;

import dev.tusk.api.v1.DatumInput;
import dev.tusk.api.v1.DatumTask;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists, through the agent's mount, the directory that a second datum's input lies in (in the same
 * input commit), so that the mount caches every entry of it from one listing: else each datum's
 * first lookup of its file asks the daemon on its own, a round trip that cost the agent and the
 * daemon more CPU than the rest of a trivial datum. A directory is listed once; a datum alone in
 * its directory (one new file) lists nothing. Input commits are finished, so the mount keeps what
 * it listed (until its cache evicts it). Used by the datum thread only.
 */
final class ListingWarmer {
  private static final Logger LOG = LoggerFactory.getLogger(ListingWarmer.class);
  /** Directories remembered: those of recent datums. */
  private static final int REMEMBERED = 4096;

  /** Per {@code repo@commit/parent}: whether it was listed (else it was seen once). */
  private final Map<String, Boolean> seen = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > REMEMBERED;
    }
  };
  private final Path pfsMount;

  /** @param pfsMount where the mount shows {@code repo@commit} directories */
  ListingWarmer(Path pfsMount) {
    this.pfsMount = pfsMount;
  }

  /** Before {@code task} runs: lists its inputs' directories seen before and not listed yet. */
  void before(DatumTask task) {
    for (DatumInput input : task.getInputsList()) {
      String inner;
      try {
        inner = DatumSandbox.innerPath(input);
      } catch (IllegalArgumentException e) {
        continue; // the datum fails on it anyway
      }
      if (inner.equals("/")) {
        continue;
      }
      Path parent = DatumSandbox.mountPath(pfsMount, input).getParent();
      String key = parent.toString();
      Boolean listed = seen.get(key);
      if (listed == null) {
        seen.put(key, false);
      } else if (!listed) {
        seen.put(key, true);
        list(parent);
      }
    }
  }

  private static void list(Path dir) {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      entries.forEach(entry -> {});
    } catch (IOException | RuntimeException e) {
      LOG.debug("Cannot list {} ahead of its datums: {}", dir, e.toString());
    }
  }
}
