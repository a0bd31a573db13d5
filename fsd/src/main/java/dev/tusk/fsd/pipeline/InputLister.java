package dev.tusk.fsd.pipeline;

import java.util.List;

/** Lists what an input glob matches in a commit: the planner's only view of the file system. */
@FunctionalInterface
public interface InputLister {

  /** Every file and directory of {@code repo@commit} whose path matches {@code glob}, in path order. */
  List<Match> glob(String repo, String commit, String glob);

  /** @param hash content hash (file) or tree hash (directory) */
  record Match(String path, String hash, boolean directory) {}
}
