package dev.tusk.container;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Every guarantee of {@link BubblewrapRuntimeTest}, for a command that runs in a session's sandbox
 * after another command ran there.
 */
class BubblewrapSessionRuntimeTest extends BubblewrapRuntimeTest {

  @Override
  ExitStatus run(ContainerSpec spec) throws IOException, InterruptedException {
    SessionSpec sandbox = new SessionSpec(spec.image(), spec.binds(), spec.resources(), dir.resolve("scratch"));
    try (ContainerSession session = runtime.openSession(sandbox).orElseThrow()) {
      ExitStatus first = session.run(
          new ContainerCommand(List.of("sh", "-c", "echo before > /tmp/before"), List.of(), Map.of("X", "1")),
          (stream, line) -> {});
      assertThat(first.success()).isTrue();
      return session.run(new ContainerCommand(spec.command(), spec.stdin(), spec.env()), sink);
    }
  }
}
