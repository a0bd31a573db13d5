package dev.tusk.fsd.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An acknowledged SQLite write survives {@code kill -9} of the daemon: a child JVM commits as fast
 * as it can and prints each acknowledged commit id, and is killed mid-stream.
 */
class SqliteKillIT {
  private static final int KILL_AFTER = 200;
  private static final Pattern COMMIT_ID = Pattern.compile("[0-9a-f]{32}");

  @TempDir Path dir;

  @Test
  void acknowledgedCommitsSurviveKillDashNine() throws Exception {
    String url = "sqlite:" + dir.resolve("metadata.db");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Writer.class.getName(),
                url)
            .redirectError(dir.resolve("child.err").toFile())
            .start();
    List<String> acknowledged = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (acknowledged.size() < KILL_AFTER && (line = out.readLine()) != null) {
        addIfCommitId(acknowledged, line);
      }
      // SIGKILL on Unix: no shutdown hook, no close(), whatever was in flight is cut off. Through
      // the handle, because Process.destroyForcibly() would also close the pipe still to drain.
      child.toHandle().destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      // Ids still in the pipe were acknowledged too; a line cut off by the kill is not an id.
      while ((line = out.readLine()) != null) {
        addIfCommitId(acknowledged, line);
      }
    }
    assertThat(acknowledged)
        .as(() -> "ids printed by the child, whose stderr was:\n" + childErrors())
        .hasSizeGreaterThanOrEqualTo(KILL_AFTER);

    try (MetadataStore store = MetadataStores.open(url)) {
      String head = store.getBranch("images", "master").orElseThrow().head();
      List<String> chain = new ArrayList<>();
      for (String id = head; id != null; id = store.getCommit(id).orElseThrow().parent()) {
        chain.add(0, id);
      }
      // Every acknowledged commit is there, in order; at most one more was committed but not yet
      // printed when the kill came.
      assertThat(chain.size()).isBetween(acknowledged.size(), acknowledged.size() + 1);
      assertThat(chain.subList(0, acknowledged.size())).isEqualTo(acknowledged);
    }
  }

  private String childErrors() {
    try {
      return Files.readString(dir.resolve("child.err"));
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static void addIfCommitId(List<String> ids, String line) {
    // Log lines share the child's stdout.
    if (COMMIT_ID.matcher(line).matches()) {
      ids.add(line);
    }
  }

  /** The child: appends commits to images@master until killed, printing each acknowledged id. */
  static final class Writer {
    public static void main(String[] args) {
      try (MetadataStore store = MetadataStores.open(args[0])) {
        store.createRepo(AbstractMetadataStoreTest.repo("images"));
        String head = null;
        while (true) {
          var commit = AbstractMetadataStoreTest.open("images", "master", head);
          if (!store.insertCommit(commit, head)) {
            throw new IllegalStateException("Lost a race nobody else runs");
          }
          head = commit.id();
          System.out.println(head);
          System.out.flush();
        }
      }
    }
  }
}
