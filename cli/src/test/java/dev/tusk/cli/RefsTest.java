package dev.tusk.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RefsTest {
  @Test
  void splitsRepoBranchAndPath() {
    assertThat(Refs.branchPath("images@dev:/a/b.png"))
        .isEqualTo(new Refs.BranchPath("images", "dev", "/a/b.png"));
    assertThat(Refs.branchPath("images@dev:a")).isEqualTo(new Refs.BranchPath("images", "dev", "/a"));
    assertThat(Refs.branchPath("images")).isEqualTo(new Refs.BranchPath("images", "", null));
  }

  @Test
  void aBranchNeedsBothParts() {
    assertThat(Refs.branch("images@dev").ref()).isEqualTo("images@dev");
    assertThatThrownBy(() -> Refs.branch("images"))
        .hasMessage("Invalid branch 'images': expected REPO@BRANCH");
    assertThatThrownBy(() -> Refs.branchPath("images@:/x"))
        .hasMessage("Invalid ref 'images@:/x': expected REPO@BRANCH[:/PATH]");
  }

  @Test
  void joinsPathsWithOneSlash() {
    assertThat(Refs.join("/", "a")).isEqualTo("/a");
    assertThat(Refs.join("/dir", "a/b")).isEqualTo("/dir/a/b");
    assertThat(Refs.join("/dir/", "")).isEqualTo("/dir/");
  }
}
