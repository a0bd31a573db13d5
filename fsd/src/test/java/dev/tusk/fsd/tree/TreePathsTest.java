package dev.tusk.fsd.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TreePathsTest {

  @Test
  void normalizesToAbsolutePathsWithoutTrailingSlash() {
    assertThat(TreePaths.normalize("a/b")).isEqualTo("/a/b");
    assertThat(TreePaths.normalize("/a/b/")).isEqualTo("/a/b");
    assertThat(TreePaths.normalize("/a/b")).isEqualTo("/a/b");
    assertThat(TreePaths.normalize("a")).isEqualTo("/a");
    assertThat(TreePaths.normalize("/")).isEqualTo("/");
    assertThat(TreePaths.normalize("")).isEqualTo("/");
    assertThat(TreePaths.normalize("...")).isEqualTo("/...");
  }

  @ParameterizedTest
  @ValueSource(strings = {"//", "/a//b", "a/./b", "/a/..", "..", "/a\0b", "/\uD800", "/\uDC00x"})
  void rejectsInvalidPathsNamingThem(String path) {
    assertThatThrownBy(() -> TreePaths.normalize(path))
        .isInstanceOf(PfsException.class)
        .hasMessageContaining("Invalid path '" + path.replace("\0", "\\0") + "'")
        .extracting(e -> ((PfsException) e).code())
        .isEqualTo(ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void limitsNamesTo255Utf8Bytes() {
    assertThat(TreePaths.normalize("/" + "x".repeat(255))).hasSize(256);
    assertThatThrownBy(() -> TreePaths.normalize("/" + "x".repeat(256)))
        .isInstanceOf(PfsException.class);
    // 128 two-byte characters: 256 bytes although only 128 chars.
    assertThatThrownBy(() -> TreePaths.normalize("/d/" + "\u00e9".repeat(128)))
        .isInstanceOf(PfsException.class)
        .hasMessageContaining("256 bytes");
  }

  @Test
  void splitsPaths() {
    assertThat(TreePaths.parent("/a/b")).isEqualTo("/a");
    assertThat(TreePaths.parent("/a")).isEqualTo("/");
    assertThat(TreePaths.name("/a/b")).isEqualTo("b");
    assertThat(TreePaths.segments("/a/b")).containsExactly("a", "b");
    assertThat(TreePaths.segments("/")).isEmpty();
    assertThat(TreePaths.child("/", "a")).isEqualTo("/a");
    assertThat(TreePaths.child("/a", "b")).isEqualTo("/a/b");
  }

  @Test
  void ordersNamesByCodePoint() {
    List<String> names =
        new ArrayList<>(List.of("\uD83D\uDE00", "\uFFFD", "z", "Z", "\u00e9", "a", "ab"));

    names.sort(TreePaths.NAME_ORDER);

    assertThat(names).containsExactly("Z", "a", "ab", "z", "\u00e9", "\uFFFD", "\uD83D\uDE00");
  }
}
