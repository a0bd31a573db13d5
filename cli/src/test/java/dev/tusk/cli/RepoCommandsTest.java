package dev.tusk.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class RepoCommandsTest extends DaemonTestSupport {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void createdReposAreListedInspectedAndDeleted() {
    assertThat(tusk("create", "repo", "images", "-d", "cat pictures").code()).isZero();

    Result list = tusk("list", "repo");
    assertThat(list.code()).isZero();
    assertThat(list.lines().get(0)).startsWith("NAME").contains("CREATED", "SIZE (MASTER)", "DESCRIPTION");
    assertThat(list.out()).containsPattern("images +\\S.* ago +0B +cat pictures");

    Result inspect = tusk("inspect", "repo", "images");
    assertThat(inspect.out()).contains("Name:", "images", "Description:", "cat pictures");

    assertThat(tusk("delete", "repo", "images").code()).isZero();
    assertThat(tusk("list", "repo").out()).doesNotContain("images");
  }

  @Test
  void jsonHasOneObjectPerRepoWithSnakeCaseFields() throws Exception {
    tusk("create", "repo", "json-a");
    tusk("create", "repo", "json-b");

    Result list = tusk("list", "repo", "-o", "json");

    assertThat(list.code()).isZero();
    JsonNode a = list.lines().stream()
        .map(this::parse)
        .filter(node -> node.get("name").asText().equals("json-a"))
        .findFirst()
        .orElseThrow();
    assertThat(a.get("size_bytes").asLong()).isZero();
    assertThat(a.get("created").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(list.lines()).allSatisfy(line -> assertThat(line).startsWith("{").endsWith("}"));
  }

  @Test
  void inspectingAMissingRepoIsOneErrorLine() {
    Result result = tusk("inspect", "repo", "nope");

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.err()).isEqualTo("tusk: Repo 'nope' not found\n");
  }

  @Test
  void aBadNameIsRefusedWithTheDaemonsReason() {
    Result result = tusk("create", "repo", "bad name!");

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.err()).startsWith("tusk: Invalid repo name 'bad name!'").endsWith("\n");
    assertThat(result.err().lines()).hasSize(1);
  }

  @Test
  void creatingARepoTwiceFailsUnlessUpdating() {
    tusk("create", "repo", "twice");

    assertThat(tusk("create", "repo", "twice").err()).isEqualTo("tusk: Repo 'twice' already exists\n");
    assertThat(tusk("create", "repo", "twice", "--update").code()).isZero();
  }

  private JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (Exception e) {
      throw new AssertionError("Not JSON: " + line, e);
    }
  }
}
