package dev.tusk.fsd.pipeline;

import dev.tusk.fsd.pipeline.InputLister.Match;
import dev.tusk.fsd.version.Glob;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * In-memory repos for planner tests: an {@link InputLister} over file paths, with every ancestor
 * directory (and the root) implied, as the versioned file system would list them.
 */
final class FakeRepos implements InputLister {
  // "repo@commit" -> path -> match, in path order
  private final Map<String, TreeMap<String, Match>> commits = new HashMap<>();

  /** Adds files (content hash "h:" + path unless given as "path=hash") to repo@commit. */
  FakeRepos put(String repo, String commit, String... files) {
    TreeMap<String, Match> tree =
        commits.computeIfAbsent(repo + "@" + commit, k -> new TreeMap<>());
    tree.put("/", new Match("/", "d:/", true));
    for (String file : files) {
      int eq = file.indexOf('=');
      String path = eq < 0 ? file : file.substring(0, eq);
      String hash = eq < 0 ? "h:" + path : file.substring(eq + 1);
      tree.put(path, new Match(path, hash, false));
      for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
        String dir = path.substring(0, slash);
        tree.put(dir, new Match(dir, "d:" + dir, true));
      }
    }
    return this;
  }

  @Override
  public List<Match> glob(String repo, String commit, String glob) {
    Glob g = Glob.compile(glob);
    List<Match> out = new ArrayList<>();
    for (Match m : commits.getOrDefault(repo + "@" + commit, new TreeMap<>()).values()) {
      if (g.matches(m.path())) {
        out.add(m);
      }
    }
    return out;
  }
}
