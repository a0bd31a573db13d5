package dev.tusk.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidFileTest {
  @TempDir Path temp;

  @AfterEach
  void clearLauncher() {
    System.clearProperty(PidFile.LAUNCHER_PROPERTY);
  }

  @Test
  void childrenStartThroughTheLauncherThatStartedThisProcess() throws Exception {
    Path launcher = Files.createFile(temp.resolve("tusk"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwxr-xr-x")));
    System.setProperty(PidFile.LAUNCHER_PROPERTY, launcher.toString());
    assertThat(PidFile.tuskCommand(List.of("mount", "/mnt")))
        .containsExactly(launcher.toString(), "mount", "/mnt");
  }

  @Test
  void withoutALauncherChildrenRunThisClassPathWithJava() throws Exception {
    System.setProperty(PidFile.LAUNCHER_PROPERTY, temp.resolve("missing").toString());
    List<String> command = PidFile.tuskCommand(List.of("mount", "/mnt"));
    assertThat(command.get(0)).endsWith("java");
    assertThat(command.subList(1, command.size())).containsExactly(
        "-cp", System.getProperty("java.class.path"), Tusk.class.getName(), "mount", "/mnt");
  }
}
