package dev.tusk.fsd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.fsd.version.Glob;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The capture-group side of {@link Glob} that join and group keys rely on. */
class GlobCaptureTest {
  @Test
  void parenthesesCaptureWhatTheyMatch() {
    Glob glob = Glob.compile("/(*)-(*).txt");

    assertThat(glob.groupCount()).isEqualTo(2);
    assertThat(glob.groups("/a-b.txt")).contains(List.of("a", "b"));
    assertThat(glob.groups("/ab.txt")).isEmpty();
  }

  @Test
  void groupsNestAndCrossSegments() {
    Glob glob = Glob.compile("/((*)/*)/(**).csv");

    assertThat(glob.groupCount()).isEqualTo(3);
    assertThat(glob.groups("/2024/03/x/y.csv")).contains(List.of("2024/03", "2024", "x/y"));
  }

  @Test
  void keyTemplatesExpandGroups() {
    Glob glob = Glob.compile("/(*)-(*).txt");

    assertThat(glob.expand("$1", "/a-b.txt")).isEqualTo("a");
    assertThat(glob.expand("$2-$1", "/a-b.txt")).isEqualTo("b-a");
    assertThat(glob.expand("${1}x", "/a-b.txt")).isEqualTo("ax");
    assertThat(glob.expand("$0", "/a-b.txt")).isEqualTo("/a-b.txt");
    assertThat(glob.expand("$$1 costs $", "/a-b.txt")).isEqualTo("$1 costs $");
  }

  @Test
  void templatesMayNotReferToMissingGroups() {
    Glob glob = Glob.compile("/(*).txt");

    assertThatThrownBy(() -> glob.checkTemplate("$1-$2"))
        .hasMessage("'$1-$2' refers to capture group 2 but glob '/(*).txt' has 1");
    assertThatThrownBy(() -> glob.checkTemplate("${x}")).hasMessageContaining("malformed");
    assertThatThrownBy(() -> glob.expand("$1", "/a.csv")).hasMessageContaining("does not match");
  }

  @Test
  void aBackslashMakesAParenthesisLiteral() {
    Glob glob = Glob.compile("/a\\(1\\).txt");

    assertThat(glob.matches("/a(1).txt")).isTrue();
    assertThat(glob.groupCount()).isZero();
    assertThat(Glob.compile("/a(1).txt").matches("/a1.txt")).isTrue();
  }

  @Test
  void unbalancedParenthesesAreRefused() {
    assertThatThrownBy(() -> Glob.compile("/(*")).hasMessageContaining("unclosed '('");
    assertThatThrownBy(() -> Glob.compile("/*)")).hasMessageContaining("unopened ')'");
  }

  @Test
  void onlySlashMatchesTheRoot() {
    assertThat(Glob.compile("/").matches("/")).isTrue();
    assertThat(Glob.compile("/*").matches("/")).isFalse();
    assertThat(Glob.compile("/**").matches("/")).isFalse();
    assertThat(Glob.compile("/").groups("/")).contains(List.of());
  }

  @Test
  void theWalkStartsBeforeTheFirstGroup() {
    assertThat(Glob.compile("/a/(b)/c").literalPrefix()).isEqualTo("/a");
  }
}
