package dev.tusk.fsd.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import org.junit.jupiter.api.Test;

class RefTest {
  private static final String ID = "0123456789abcdef0123456789abcdef";

  @Test
  void parsesBranchesCommitsAndAncestry() {
    assertThat(Ref.parse("images@master")).isEqualTo(new Ref("images", "master", 0));
    assertThat(Ref.parse("images")).isEqualTo(new Ref("images", "master", 0));
    assertThat(Ref.parse("images@" + ID)).isEqualTo(new Ref("images", ID, 0));
    assertThat(Ref.parse("images@" + ID).isCommitId()).isTrue();
    assertThat(Ref.parse("images@master^")).isEqualTo(new Ref("images", "master", 1));
    assertThat(Ref.parse("images@master^3")).isEqualTo(new Ref("images", "master", 3));
    assertThat(Ref.parse("images@master~2")).isEqualTo(new Ref("images", "master", 2));
    assertThat(Ref.parse("images@master^^~2")).isEqualTo(new Ref("images", "master", 4));
  }

  @Test
  void parsesFileRefs() {
    assertThat(Ref.parseFile("images@master:/a/b.png"))
        .isEqualTo(new Ref.FileRef(new Ref("images", "master", 0), "/a/b.png"));
    assertThat(Ref.parseFile("images@dev^1").path()).isEqualTo("/");
    assertThat(Ref.parseFile("images@dev:").path()).isEqualTo("/");
  }

  @Test
  void badRefsAreInvalidArgumentsNamingTheProblem() {
    for (String bad : new String[] {"", "im ages@master", "a/b@master", "repo@", "repo@ma ster",
        "repo@master^x", "repo@../x", "repo@master^99999999999"}) {
      assertThatThrownBy(() -> Ref.parse(bad))
          .as(bad)
          .isInstanceOf(PfsException.class)
          .satisfies(e -> assertThat(((PfsException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
  }

  @Test
  void branchNamesThatLookLikeCommitIdsAreRefused() {
    assertThatThrownBy(() -> Names.checkBranch(ID)).hasMessageContaining("would read as a commit id");
  }

  @Test
  void repoNamesAllowLettersDigitsUnderscoreAndDash() {
    assertThat(Names.checkRepo("My_repo-2")).isEqualTo("My_repo-2");
    assertThatThrownBy(() -> Names.checkRepo("my.repo"))
        .hasMessage("Invalid repo name 'my.repo': use 1 to 63 letters, digits, '_' or '-'");
  }
}
