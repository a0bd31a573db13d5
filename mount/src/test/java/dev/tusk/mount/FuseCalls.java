package dev.tusk.mount;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;

/** Calls a filesystem's callbacks as libfuse would, with native structs, for tests without a kernel mount. */
final class FuseCalls {
  static final int O_RDONLY = 0;
  static final int O_WRONLY = 1;
  static final int O_RDWR = 2;
  static final int O_TRUNC = 01000;
  private static final Runtime RUNTIME = Runtime.getSystemRuntime();

  private final FuseFS fs;

  FuseCalls(FuseFS fs) {
    this.fs = fs;
  }

  static FileStat newStat() {
    return FileStat.of(Memory.allocateDirect(RUNTIME, 256, true));
  }

  static FuseFileInfo newFileInfo(int flags) {
    FuseFileInfo fi = FuseFileInfo.of(Memory.allocateDirect(RUNTIME, 128, true));
    fi.flags.set(flags);
    return fi;
  }

  /** getattr of a path that must exist. */
  FileStat stat(String path) {
    FileStat stat = newStat();
    assertThat(fs.getattr(path, stat)).as("getattr %s", path).isZero();
    return stat;
  }

  /** getattr's result: 0 or a negative errno. */
  int getattr(String path) {
    return fs.getattr(path, newStat());
  }

  List<String> readdir(String path) {
    List<String> names = new ArrayList<>();
    int result = fs.readdir(path, null, new FuseFillDir() {
      @Override
      public int apply(Pointer buf, ByteBuffer name, Pointer stbuf, long off) {
        byte[] bytes = new byte[name.remaining()];
        name.get(bytes);
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
          end++;
        }
        names.add(new String(bytes, 0, end, StandardCharsets.UTF_8));
        return 0;
      }
    }, 0, newFileInfo(O_RDONLY));
    assertThat(result).as("readdir %s", path).isZero();
    return names.subList(2, names.size()); // without . and ..
  }

  int readdirErrno(String path) {
    return fs.readdir(path, null, (buf, name, stbuf, off) -> 0, 0, newFileInfo(O_RDONLY));
  }

  /** Opens, returning the file info with its handle; fails the test if open fails. */
  FuseFileInfo open(String path, int flags) {
    FuseFileInfo fi = newFileInfo(flags);
    assertThat(fs.open(path, fi)).as("open %s", path).isZero();
    return fi;
  }

  int openErrno(String path, int flags) {
    return fs.open(path, newFileInfo(flags));
  }

  byte[] read(String path, FuseFileInfo fi, long offset, int size) {
    Pointer buffer = Memory.allocateDirect(RUNTIME, Math.max(1, size));
    int n = fs.read(path, buffer, size, offset, fi);
    assertThat(n).as("read %s at %d", path, offset).isGreaterThanOrEqualTo(0);
    byte[] bytes = new byte[n];
    buffer.get(0, bytes, 0, n);
    return bytes;
  }

  /** The whole file, read in pieces of 128 KiB as the kernel would. */
  byte[] readAll(String path) {
    FuseFileInfo fi = open(path, O_RDONLY);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (long offset = 0; ; ) {
      byte[] piece = read(path, fi, offset, 128 << 10);
      if (piece.length == 0) {
        break;
      }
      out.write(piece, 0, piece.length);
      offset += piece.length;
    }
    fs.release(path, fi);
    return out.toByteArray();
  }

  int write(String path, FuseFileInfo fi, long offset, byte[] data) {
    Pointer buffer = Memory.allocateDirect(RUNTIME, Math.max(1, data.length));
    buffer.put(0, data, 0, data.length);
    return fs.write(path, buffer, data.length, offset, fi);
  }

  /** create, write, flush and release: what {@code cp} does to a new file. */
  void createFile(String path, byte[] data) {
    FuseFileInfo fi = newFileInfo(O_WRONLY);
    assertThat(fs.create(path, 0644, fi)).as("create %s", path).isZero();
    assertThat(write(path, fi, 0, data)).isEqualTo(data.length);
    assertThat(fs.flush(path, fi)).isZero();
    assertThat(fs.release(path, fi)).isZero();
  }

  int release(String path, FuseFileInfo fi) {
    return fs.release(path, fi);
  }

  int flush(String path, FuseFileInfo fi) {
    return fs.flush(path, fi);
  }
}
