package dev.tusk.fsd.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GlobTest {
  @Test
  void starStaysWithinASegment() {
    Glob glob = Glob.compile("/*");
    assertThat(glob.matches("/a")).isTrue();
    assertThat(glob.matches("/a/b")).isFalse();
    assertThat(Glob.compile("*").matches("/a")).isTrue();
  }

  @Test
  void doubleStarCrossesSegments() {
    Glob glob = Glob.compile("/**");
    assertThat(glob.matches("/a")).isTrue();
    assertThat(glob.matches("/a/b/c.txt")).isTrue();
    assertThat(Glob.compile("/data/**.csv").matches("/data/x/y.csv")).isTrue();
  }

  @Test
  void classesAndQuestionMarks() {
    assertThat(Glob.compile("/img[0-9].png").matches("/img7.png")).isTrue();
    assertThat(Glob.compile("/img[!0-9].png").matches("/img7.png")).isFalse();
    assertThat(Glob.compile("/?.txt").matches("/a.txt")).isTrue();
    assertThat(Glob.compile("/?.txt").matches("/ab.txt")).isFalse();
  }

  @Test
  void literalCharactersAreLiteral() {
    assertThat(Glob.compile("/a+b.txt").matches("/a+b.txt")).isTrue();
    // Parentheses are capture groups (as in Pachyderm); a backslash makes them literal.
    assertThat(Glob.compile("/a+b.\\(1\\).txt").matches("/a+b.(1).txt")).isTrue();
    assertThat(Glob.compile("/a.txt").matches("/abtxt")).isFalse();
  }

  @Test
  void theWalkStartsAtTheDeepestLiteralDirectory() {
    assertThat(Glob.compile("/a/b/*.txt").literalPrefix()).isEqualTo("/a/b");
    assertThat(Glob.compile("/a/b/c.txt").literalPrefix()).isEqualTo("/a/b");
    assertThat(Glob.compile("/*").literalPrefix()).isEqualTo("/");
    assertThat(Glob.compile("/a*/b").literalPrefix()).isEqualTo("/");
  }

  @Test
  void anUnclosedClassIsRefused() {
    assertThatThrownBy(() -> Glob.compile("/[abc")).hasMessageContaining("unclosed '['");
  }
}
