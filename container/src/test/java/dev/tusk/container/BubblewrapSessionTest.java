package dev.tusk.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.container.ContainerSpec.Bind;
import dev.tusk.container.ContainerSpec.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What one command of a bubblewrap session leaves for the next: nothing. */
@Timeout(60)
class BubblewrapSessionTest {
  private final BubblewrapRuntime runtime = new BubblewrapRuntime();
  @TempDir Path dir;
  private Path out;
  private ContainerSession session;

  @BeforeAll
  static void requireBubblewrap() {
    BubblewrapRuntimeTest.requireBubblewrap();
  }

  @BeforeEach
  void open() throws Exception {
    out = Files.createDirectories(dir.resolve("out"));
    session = runtime.openSession(
        new SessionSpec("", List.of(new Bind(out, "/pfs/out", false)), Resources.NONE, dir.resolve("scratch")))
        .orElseThrow();
  }

  @AfterEach
  void close() {
    session.close();
  }

  private RecordingSink run(String script) throws Exception {
    RecordingSink sink = new RecordingSink();
    ExitStatus status = session.run(new ContainerCommand(List.of("sh", "-c", script), List.of(), Map.of()), sink);
    assertThat(status.success()).as(script + ": " + status + " " + sink.stderr()).isTrue();
    return sink;
  }

  @Test
  void aBackgroundProcessDoesNotSurviveIntoTheNextCommand() throws Exception {
    String duration = "1000." + ThreadLocalRandom.current().nextInt(1_000_000, 10_000_000);
    run("sleep " + duration + " & setsid sleep " + duration + " & (sleep " + duration + " &) ; echo started");

    assertThat(processesRunning(duration)).isEmpty();
    assertThat(run("for c in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $c; echo; done").stdout())
        .noneMatch(line -> line.contains(duration))
        .anyMatch(line -> line.startsWith("/bin/sh -s"));
    assertThat(session.isOpen()).isTrue();
  }

  @Test
  void tmpAndShmAreEmptyForTheNextCommand() throws Exception {
    run("echo secret > /tmp/a; mkdir -p /tmp/d/e; echo x > /tmp/.hidden; echo y > /dev/shm/s; chmod 000 /tmp/d");

    assertThat(run("ls -A /tmp /dev/shm").stdout()).containsExactly("/dev/shm:", "", "/tmp:");
    assertThat(session.isOpen()).isTrue();
  }

  @Test
  void theRootAndDevAreReadOnly() throws Exception {
    RecordingSink sink = run("touch /x || echo root; touch /dev/x || echo dev; mkdir /usr/x 2>/dev/null || echo usr");

    assertThat(sink.stdout()).containsExactly("root", "dev", "usr");
  }

  @Test
  void environmentAndStdinAreEachCommandsOwn() throws Exception {
    RecordingSink first = new RecordingSink();
    session.run(new ContainerCommand(List.of("sh", "-c", "export LEAK=1; env | sort; cat"), List.of("one"),
        Map.of("A", "1")), first);
    RecordingSink second = new RecordingSink();
    session.run(new ContainerCommand(List.of("env"), List.of(), Map.of("my-name", "x y")), second);

    assertThat(first.stdout()).containsExactly("A=1", "HOME=/tmp", "LEAK=1", "PATH=/usr/local/bin:/usr/bin:/bin",
        "PWD=/pfs", "one");
    assertThat(second.stdout()).containsExactlyInAnyOrder("HOME=/tmp", "PATH=/usr/local/bin:/usr/bin:/bin",
        "PWD=/pfs", "my-name=x y");
  }

  @Test
  void eachCommandGetsItsOwnLinesEvenWithoutAFinalNewline() throws Exception {
    RecordingSink first = run("echo a; printf 'b'; printf 'c' >&2");
    RecordingSink second = run("echo d");

    assertThat(first.stdout()).containsExactly("a", "b");
    assertThat(first.stderr()).containsExactly("c");
    assertThat(second.stdout()).containsExactly("d");
    assertThat(second.stderr()).isEmpty();
  }

  @Test
  void aFailingOrKilledCommandLeavesTheSessionUsable() throws Exception {
    RecordingSink sink = new RecordingSink();
    assertThat(session.run(new ContainerCommand(List.of("sh", "-c", "exit 3"), List.of(), Map.of()), sink).code())
        .isEqualTo(3);
    assertThat(session.run(new ContainerCommand(List.of("sh", "-c", "kill -KILL $$"), List.of(), Map.of()), sink)
        .code()).isEqualTo(137);
    assertThat(session.run(new ContainerCommand(List.of("no-such-program"), List.of(), Map.of()), sink).code())
        .isEqualTo(127);
    assertThat(session.run(new ContainerCommand(List.of("no-such-program"), List.of(), Map.of("a-b", "1")), sink))
        .isEqualTo(new ExitStatus(127, "command not found: no-such-program"));

    assertThat(session.isOpen()).isTrue();
    assertThat(run("echo fine").stdout()).containsExactly("fine");
  }

  @Test
  void aCommandThatKillsTheLauncherFailsAndClosesTheSession() throws Exception {
    ExitStatus status = session.run(
        new ContainerCommand(List.of("sh", "-c", "kill -KILL -1"), List.of(), Map.of()), new RecordingSink());

    assertThat(status.success()).isFalse();
    assertThat(status.description()).contains("stopped its sandbox");
    assertThat(session.isOpen()).isFalse();
    assertThatThrownBy(() -> run("true")).isInstanceOf(IOException.class).hasMessageContaining("closed");
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive))
        .noneMatch(p -> p.info().command().orElse("").endsWith("bwrap"));
  }

  @Test
  void ipcObjectsLeftBehindCloseTheSession() throws Exception {
    RecordingSink sink = run("ipcmk -M 4096 >/dev/null && echo made");

    assertThat(sink.stdout()).containsExactly("made");
    assertThat(session.isOpen()).as("a new sandbox (and IPC namespace) for the next command").isFalse();
  }

  @Test
  void aNewSessionAfterAClosedOneStartsClean() throws Exception {
    run("echo left > /tmp/f");
    session.close();
    session = runtime.openSession(
        new SessionSpec("", List.of(new Bind(out, "/pfs/out", false)), Resources.NONE, dir.resolve("scratch")))
        .orElseThrow();

    assertThat(run("ls -A /tmp").stdout()).isEmpty();
  }

  @Test
  void closeKillsTheRunningCommandAndTheSandbox() throws Exception {
    String duration = "1000." + ThreadLocalRandom.current().nextInt(1_000_000, 10_000_000);
    Thread caller = new Thread(() -> {
      try {
        session.run(new ContainerCommand(List.of("sleep", duration), List.of(), Map.of()), new RecordingSink());
      } catch (Exception e) {
        // interrupted
      }
    });
    caller.start();
    while (processesRunning(duration).isEmpty()) {
      Thread.sleep(10);
    }
    caller.interrupt();
    caller.join(10_000);

    assertThat(caller.isAlive()).isFalse();
    assertThat(session.isOpen()).isFalse();
    assertThat(processesRunning(duration)).isEmpty();
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive))
        .noneMatch(p -> p.info().command().orElse("").endsWith("bwrap"));
  }

  private static List<ProcessHandle> processesRunning(String marker) {
    return ProcessHandle.allProcesses()
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().arguments().map(a -> List.of(a).contains(marker)).orElse(false))
        .toList();
  }
}
