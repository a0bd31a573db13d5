package dev.tusk.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommitCommandsTest extends DaemonTestSupport {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RFC_3339_MILLIS = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

  @TempDir Path local;

  @Test
  void putsGoIntoTheOpenCommitUntilItIsFinished() throws Exception {
    ok("create", "repo", "open");
    String id = ok("start", "commit", "open@master", "-m", "two files").out().strip();
    assertThat(id).matches("[0-9a-f]{32}");

    ok("put", "file", "open@master:/a", "-f", Files.writeString(local.resolve("a"), "a").toString());
    ok("put", "file", "open@master:/b", "-f", Files.writeString(local.resolve("b"), "b").toString());
    JsonNode open = parse(ok("inspect", "commit", "open@" + id, "-o", "json").out());
    assertThat(open.get("state").asText()).isEqualTo("open");
    assertThat(open.get("finished").isNull()).isTrue();

    ok("finish", "commit", "open@master");

    List<String> commits = ok("list", "commit", "open@master", "-o", "json").lines();
    assertThat(commits).hasSize(1);
    JsonNode finished = parse(commits.get(0));
    assertThat(finished.get("id").asText()).isEqualTo(id);
    assertThat(finished.get("state").asText()).isEqualTo("finished");
    assertThat(finished.get("size_bytes").asLong()).isEqualTo(2);
    assertThat(finished.get("description").asText()).isEqualTo("two files");
  }

  @Test
  void commitJsonHasEveryFieldInItsFormat() throws Exception {
    ok("create", "repo", "fields");
    ok("put", "file", "fields@master:/x", "-f", Files.writeString(local.resolve("x"), "xyz").toString());

    JsonNode commit = parse(ok("inspect", "commit", "fields@master", "-o", "json").out());

    assertThat(commit.fieldNames()).toIterable().contains(
        "id", "repo", "branch", "parent", "state", "started", "finished", "size_bytes",
        "provenance", "commit_set");
    assertThat(commit.get("repo").asText()).isEqualTo("fields");
    assertThat(commit.get("branch").asText()).isEqualTo("master");
    assertThat(commit.get("parent").isNull()).isTrue();
    assertThat(commit.get("started").asText()).matches(RFC_3339_MILLIS);
    assertThat(commit.get("finished").asText()).matches(RFC_3339_MILLIS);
    assertThat(commit.get("provenance").isArray()).isTrue();
    assertThat(commit.get("commit_set").asText()).matches("[0-9a-f]{32}");
  }

  @Test
  void ancestorRefsAndLimitsWalkTheHistory() throws Exception {
    ok("create", "repo", "history");
    for (int i = 1; i <= 3; i++) {
      Path file = Files.writeString(local.resolve("v"), "version " + i);
      ok("put", "file", "history@master:/v", "-f", file.toString());
    }

    List<String> all = ok("list", "commit", "history@master", "-o", "json").lines();
    assertThat(all).hasSize(3);
    String newest = parse(all.get(0)).get("id").asText();
    String oldest = parse(all.get(2)).get("id").asText();

    assertThat(ok("list", "commit", "history", "-n", "2").lines()).hasSize(3); // header + 2
    assertThat(parse(ok("inspect", "commit", "history@master^2", "-o", "json").out()).get("id").asText())
        .isEqualTo(oldest);
    assertThat(parse(ok("inspect", "commit", "history@master~1", "-o", "json").out()).get("parent").asText())
        .isEqualTo(oldest);
    assertThat(ok("get", "file", "history@" + newest + "^1:/v").out()).isEqualTo("version 2");
    assertThat(ok("list", "commit", "history").lines().get(0))
        .startsWith("REPO").contains("BRANCH", "COMMIT", "STARTED", "FINISHED", "SIZE");
  }

  @Test
  void waitCommitReturnsOnceTheCommitIsFinished() throws Exception {
    ok("create", "repo", "waiting");
    String id = ok("start", "commit", "waiting@master").out().strip();

    CompletableFuture<Result> waiter =
        CompletableFuture.supplyAsync(() -> tusk("wait", "commit", "waiting@" + id, "-o", "json"));
    Thread.sleep(300);
    assertThat(waiter).isNotDone();

    ok("finish", "commit", "waiting@" + id);

    Result waited = waiter.get(30, TimeUnit.SECONDS);
    assertThat(waited.code()).isZero();
    assertThat(parse(waited.out()).get("state").asText()).isEqualTo("finished");
  }

  @Test
  void finishingTwiceIsOneErrorLine() {
    ok("create", "repo", "twice-finished");
    String id = ok("start", "commit", "twice-finished@master").out().strip();
    ok("finish", "commit", "twice-finished@" + id);

    Result again = tusk("finish", "commit", "twice-finished@" + id);

    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).startsWith("tusk: ").contains(id);
    assertThat(again.err().lines()).hasSize(1);
  }

  @Test
  void aBadRefIsRefusedWithTheDaemonsReason() {
    ok("create", "repo", "badref");

    Result result = tusk("inspect", "commit", "badref@master^x");

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.err()).isEqualTo(
        "tusk: Invalid ref 'badref@master^x': expected ^N or ~N after the branch or commit\n");
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (Exception e) {
      throw new AssertionError("Not JSON: " + line, e);
    }
  }
}
