package dev.tusk.mount;

import dev.tusk.api.TuskException;
import dev.tusk.chunkstore.ChunkIntegrityException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;

/** The one mapping from what went wrong to the negative errno a FUSE callback returns. */
final class Errno {
  private static final Logger LOG = LoggerFactory.getLogger(Errno.class);

  private Errno() {}

  /** An errno for a failure the caller expected, such as a missing path: no log line. */
  static int of(Throwable failure, String operation, String path) {
    if (failure instanceof FuseError error) {
      return -error.errno;
    }
    if (failure instanceof TuskException tusk) {
      return -switch (tusk.code()) {
        case REPO_NOT_FOUND, BRANCH_NOT_FOUND, COMMIT_NOT_FOUND, FILE_NOT_FOUND -> ErrorCodes.ENOENT();
        case REPO_EXISTS, BRANCH_EXISTS -> ErrorCodes.EEXIST();
        case NOT_A_DIRECTORY -> ErrorCodes.ENOTDIR();
        case IS_A_DIRECTORY -> ErrorCodes.EISDIR();
        case COMMIT_FINISHED -> ErrorCodes.EROFS();
        case INVALID_ARGUMENT -> ErrorCodes.EINVAL();
        default -> logged(failure, operation, path);
      };
    }
    if (failure instanceof ChunkIntegrityException integrity) {
      // Never wrong bytes: the read fails, and the log names the chunk.
      LOG.error("{} {}: {}", operation, path, integrity.getMessage());
      return -ErrorCodes.EIO();
    }
    if (failure instanceof NoSuchFileException || failure instanceof FileNotFoundException) {
      return -ErrorCodes.ENOENT();
    }
    if (failure.getCause() instanceof ChunkIntegrityException integrity) {
      return of(integrity, operation, path);
    }
    return -logged(failure, operation, path);
  }

  private static int logged(Throwable failure, String operation, String path) {
    if (failure instanceof IOException || failure instanceof TuskException) {
      LOG.warn("{} {} failed: {}", operation, path, failure.toString());
    } else {
      LOG.error("{} {} failed", operation, path, failure);
    }
    return ErrorCodes.EIO();
  }

  /** A failure that already knows its errno (positive, as in errno.h). */
  static final class FuseError extends RuntimeException {
    final int errno;

    FuseError(int errno, String message) {
      super(message, null, false, false);
      this.errno = errno;
    }
  }

  static FuseError enoent(String path) {
    return new FuseError(ErrorCodes.ENOENT(), path);
  }

  static FuseError erofs(String path) {
    return new FuseError(ErrorCodes.EROFS(), path);
  }
}
