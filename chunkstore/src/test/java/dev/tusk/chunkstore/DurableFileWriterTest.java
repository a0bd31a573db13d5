package dev.tusk.chunkstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Direct and buffered writes on the real disk, where O_DIRECT's alignment rules are the kernel's. */
class DurableFileWriterTest {
  /** Around the block size, around the 1 MiB direct-write slice, and several slices with a tail. */
  private static final int[] SIZES = {
    0, 1, 511, 512, 4095, 4096, 4097, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 17
  };

  @TempDir Path dir;

  @Test
  void usesDirectIoOnTheLocalDisk() throws Exception {
    assertThat(new DurableFileWriter(dir, true).direct()).isTrue();
  }

  @Test
  void directWritesKeepEveryByteAndNoPadding() throws Exception {
    DurableFileWriter writer = new DurableFileWriter(dir, true);
    for (int size : SIZES) {
      byte[] data = random(size);
      Path file = dir.resolve("direct-" + size);
      writer.write(file, data);
      assertThat(Files.readAllBytes(file)).as("%d bytes", size).isEqualTo(data);
    }
  }

  @Test
  void bufferedWritesWhenDirectIoIsNotWanted() throws Exception {
    DurableFileWriter writer = new DurableFileWriter(dir, false);
    assertThat(writer.direct()).isFalse();
    byte[] data = random(4097);
    writer.write(dir.resolve("f"), data);
    assertThat(Files.readAllBytes(dir.resolve("f"))).isEqualTo(data);
  }

  @Test
  void neverOverwritesAnExistingFile() throws Exception {
    Path file = dir.resolve("taken");
    Files.write(file, new byte[] {7});
    DurableFileWriter writer = new DurableFileWriter(dir, true);
    assertThatThrownBy(() -> writer.write(file, random(10))).isInstanceOf(FileAlreadyExistsException.class);
    assertThat(Files.readAllBytes(file)).containsExactly(7);
  }

  @Test
  void leavesNoProbeBehind() throws Exception {
    new DurableFileWriter(dir, true);
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void writesBufferedOnAnInMemoryFilesystem() throws Exception {
    try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
      Path root = Files.createDirectories(fs.getPath("/store"));
      DurableFileWriter writer = new DurableFileWriter(root, true);
      assertThat(writer.direct()).isFalse();
      byte[] data = random(5000);
      writer.write(root.resolve("f"), data);
      assertThat(Files.readAllBytes(root.resolve("f"))).isEqualTo(data);
    }
  }

  private static byte[] random(int size) {
    byte[] data = new byte[size];
    new SplittableRandom(size).nextBytes(data);
    return data;
  }
}
