package dev.tusk.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.container.ContainerSpec.Bind;
import dev.tusk.container.ContainerSpec.Resources;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code docker run} command lines; DockerRuntimeIT runs them against a real engine. */
class DockerRuntimeTest {
  private final DockerRuntime runtime = new DockerRuntime(Path.of("/usr/bin/docker"), Map.of());

  @Test
  void theSpecsCommandReplacesTheEntrypointAfterTheOptions() {
    ContainerSpec spec =
        new ContainerSpec(
            "img:1",
            List.of("python3", "-c", "x"),
            List.of(),
            Map.of("B", "2", "A", "1"),
            List.of(),
            Resources.NONE);

    assertThat(runtime.command(spec, "tusk-0"))
        .containsExactly(
            "/usr/bin/docker",
            "run",
            "--rm",
            "--name",
            "tusk-0",
            "--interactive",
            "--pull",
            "never",
            "--network",
            "none",
            "--cap-drop",
            "ALL",
            "--security-opt",
            "no-new-privileges",
            "--log-driver",
            "none",
            "--env",
            "A=1",
            "--env",
            "B=2",
            "--entrypoint",
            "python3",
            "img:1",
            "-c",
            "x");
  }

  @Test
  void bindsAreMountsWithQuotedPaths() {
    List<Bind> binds =
        List.of(
            new Bind(Path.of("/mnt/pfs/in@master, part:2"), "/pfs/in", true),
            new Bind(Path.of("/tmp/\"out\""), "/pfs/out", false));
    ContainerSpec spec =
        new ContainerSpec("img", List.of("true"), List.of(), Map.of(), binds, Resources.NONE);

    assertThat(runtime.command(spec, "tusk-0"))
        .containsSubsequence(
            "--mount",
            "type=bind,\"source=/mnt/pfs/in@master, part:2\",\"target=/pfs/in\",readonly",
            "--mount",
            "type=bind,\"source=/tmp/\"\"out\"\"\",\"target=/pfs/out\"");
  }

  @Test
  void resourcesArePassedOn() {
    ContainerSpec spec =
        new ContainerSpec(
            "img", List.of("true"), List.of(), Map.of(), List.of(), new Resources(0.5, 1 << 30, 2));

    assertThat(runtime.command(spec, "tusk-0"))
        .containsSubsequence("--cpus", "0.5")
        .containsSubsequence("--memory", "1073741824", "--memory-swap", "1073741824")
        .containsSubsequence("--gpus", "2");
  }

  @Test
  void anImageIsRequired() {
    ContainerSpec spec =
        new ContainerSpec("", List.of("true"), List.of(), Map.of(), List.of(), Resources.NONE);

    assertThatThrownBy(() -> runtime.command(spec, "tusk-0"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aMissingDockerIsAnIOExceptionNamingThePackage(@TempDir Path dir) throws Exception {
    DockerRuntime missing = new DockerRuntime(dir.resolve("docker"), Map.of());
    ContainerSpec spec =
        new ContainerSpec("img", List.of("true"), List.of(), Map.of(), List.of(), Resources.NONE);

    assertThat(missing.available()).isFalse();
    assertThatThrownBy(() -> missing.run(spec, (stream, line) -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("apt install docker.io");
  }
}
