package dev.tusk.api;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** An error reported by the daemon, with its exact {@link ErrorCode}. */
public class TuskException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public TuskException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public TuskException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  /** This error as a gRPC status with the code in its trailer: what a server sends. */
  public StatusRuntimeException toStatus() {
    Metadata trailers = new Metadata();
    trailers.put(ErrorCode.TRAILER, code.name());
    return code.status().toStatus().withDescription(getMessage()).asRuntimeException(trailers);
  }

  /** The typed error a status stands for: what a client sees. */
  public static TuskException fromStatus(StatusRuntimeException e) {
    Status status = e.getStatus();
    ErrorCode code = null;
    Metadata trailers = e.getTrailers();
    String name = trailers == null ? null : trailers.get(ErrorCode.TRAILER);
    if (name != null) {
      try {
        code = ErrorCode.valueOf(name);
      } catch (IllegalArgumentException unknown) {
        // A newer server's code: fall back on the status.
      }
    }
    if (code == null) {
      code = byStatus(status.getCode());
    }
    String message = status.getDescription();
    if (message == null) {
      message = status.getCode() == Status.Code.UNAVAILABLE
          ? "Cannot reach the tusk daemon: " + (status.getCause() == null ? "unavailable" : status.getCause().getMessage())
          : status.getCode().toString();
    }
    return new TuskException(code, message, e);
  }

  private static ErrorCode byStatus(Status.Code status) {
    return switch (status) {
      case INVALID_ARGUMENT, OUT_OF_RANGE -> ErrorCode.INVALID_ARGUMENT;
      case NOT_FOUND -> ErrorCode.FILE_NOT_FOUND;
      case ALREADY_EXISTS -> ErrorCode.REPO_EXISTS;
      case FAILED_PRECONDITION -> ErrorCode.COMMIT_FINISHED;
      case ABORTED -> ErrorCode.CONFLICT;
      case UNKNOWN, DEADLINE_EXCEEDED, CANCELLED -> ErrorCode.OUTCOME_UNKNOWN;
      case UNAVAILABLE -> ErrorCode.UNAVAILABLE;
      default -> ErrorCode.INTERNAL;
    };
  }
}
