package dev.tusk.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BranchCommandsTest extends DaemonTestSupport {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path local;

  @Test
  void aBranchCreatedWithAHeadSeesThatCommitsFiles() throws Exception {
    ok("create", "repo", "heads");
    ok("put", "file", "heads@master:/f", "-f", Files.writeString(local.resolve("f1"), "one").toString());
    ok("put", "file", "heads@master:/f", "-f", Files.writeString(local.resolve("f2"), "two").toString());

    ok("create", "branch", "heads@stable", "--head", "master^1");

    assertThat(ok("get", "file", "heads@stable:/f").out()).isEqualTo("one");
    JsonNode stable = parse(ok("inspect", "branch", "heads@stable", "-o", "json").out());
    JsonNode parent = parse(ok("inspect", "commit", "heads@master^", "-o", "json").out());
    assertThat(stable.get("head").asText()).isEqualTo(parent.get("id").asText());
  }

  @Test
  void branchJsonNamesHeadAndProvenance() throws Exception {
    ok("create", "repo", "upstream");
    ok("create", "repo", "downstream");
    ok("create", "branch", "upstream@master");

    ok("create", "branch", "downstream@master", "--provenance", "upstream@master");

    JsonNode branch = parse(ok("list", "branch", "downstream", "-o", "json").lines().get(0));
    assertThat(branch.get("repo").asText()).isEqualTo("downstream");
    assertThat(branch.get("name").asText()).isEqualTo("master");
    assertThat(branch.has("head")).isTrue();
    assertThat(branch.get("provenance").get(0).get("repo").asText()).isEqualTo("upstream");
    assertThat(branch.get("provenance").get(0).get("branch").asText()).isEqualTo("master");
    assertThat(ok("list", "branch", "downstream").lines())
        .first().asString().startsWith("BRANCH").contains("HEAD", "PROVENANCE");
  }

  @Test
  void aDeletedBranchIsGone() {
    ok("create", "repo", "gone");
    ok("create", "branch", "gone@temp");

    ok("delete", "branch", "gone@temp");

    Result inspect = tusk("inspect", "branch", "gone@temp");
    assertThat(inspect.code()).isEqualTo(1);
    assertThat(inspect.err()).startsWith("tusk: ").contains("temp");
  }

  @Test
  void aBranchWithoutARepoIsAUsageError() {
    Result result = tusk("create", "branch", "nobranch");

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.err()).isEqualTo("tusk: Invalid branch 'nobranch': expected REPO@BRANCH\n");
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (Exception e) {
      throw new AssertionError("Not JSON: " + line, e);
    }
  }
}
