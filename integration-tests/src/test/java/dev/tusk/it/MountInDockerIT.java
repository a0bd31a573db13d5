package dev.tusk.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A branch or a commit of a {@code tusk mount}, bind-mounted read-only into a real container. */
@ExtendWith(DockerEngine.Extension.class)
class MountInDockerIT {
  private final DockerEngine engine;
  @TempDir Path temp;

  MountInDockerIT(DockerEngine engine) {
    this.engine = engine;
  }

  @BeforeAll
  static void requireFuse() {
    MountProcessIT.requireFuse();
  }

  private static List<String> run(List<String> bind, String... command) {
    List<String> args = new ArrayList<>(bind);
    args.add(DockerEngine.IMAGE);
    args.addAll(List.of(command));
    return args;
  }

  @Test
  void aContainerReadsABranchAndACommitAndCannotWriteThem() throws Exception {
    byte[] image = new byte[3 << 20];
    new Random(3).nextBytes(image);
    int port = DaemonProcess.freePort();
    try (DaemonProcess daemon = DaemonProcess.start(temp.resolve("data"), port)) {
      daemon.client().createRepo("images", "", false);
      var first = daemon.client().modifyFile("images", "master", "");
      first.put("/cat.png", image);
      first.put("/labels/cat.txt", "cat".getBytes(StandardCharsets.UTF_8));
      String commit = first.finish().getId();
      var second = daemon.client().modifyFile("images", "master", "");
      second.put("/labels/cat.txt", "tabby".getBytes(StandardCharsets.UTF_8));
      second.finish();

      try (MountProcess mount = MountProcess.start(temp.resolve("mnt"), port)) {
        List<String> branch = DockerEngine.readOnlyBind(mount.dir.resolve("images@master"), "/data");
        List<String> old = DockerEngine.readOnlyBind(mount.dir.resolve("images@" + commit), "/old");
        List<String> both = new ArrayList<>(branch);
        both.addAll(old);

        DockerEngine.Result cat = engine.run(run(branch, "cat", "/data/cat.png"));
        assertThat(cat.exitCode()).as("%s", cat).isZero();
        assertThat(cat.stdout()).isEqualTo(image);

        DockerEngine.Result labels = engine.run(run(both, "sh", "-c", "cat /data/labels/cat.txt /old/labels/cat.txt"));
        assertThat(labels.stdoutUtf8()).as("%s", labels).isEqualTo("tabbycat");

        DockerEngine.Result write = engine.run(run(branch, "sh", "-c", "echo x > /data/new.txt"));
        assertThat(write.exitCode()).isNotZero();
        assertThat(write.stderr()).contains("Read-only file system");
      }
    }
  }
}
