package dev.tusk.fsd;

import dev.tusk.api.ErrorCode;

/**
 * A failure of a versioned-file-system operation, with the {@link ErrorCode} that the gRPC layer
 * reports and a message naming what was wrong, e.g. "Cannot finish commit images@3f9c...: already
 * finished".
 */
public class PfsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public PfsException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public PfsException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
