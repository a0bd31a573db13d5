package dev.tusk.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ContainerRuntimesTest {
  @Test
  void opensTheRuntimesByName() {
    assertThat(ContainerRuntimes.open(ContainerRuntimes.DEFAULT))
        .isInstanceOf(BubblewrapRuntime.class);
    assertThat(ContainerRuntimes.open("bubblewrap").name()).isEqualTo("bubblewrap");
    assertThat(ContainerRuntimes.open("docker").name()).isEqualTo("docker");
  }

  @Test
  void anUnknownNameListsTheKnownOnes() {
    assertThatThrownBy(() -> ContainerRuntimes.open("podman"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("podman")
        .hasMessageContaining("bubblewrap, docker");
  }
}
