package dev.tusk.api;

import io.grpc.Metadata;
import io.grpc.Status;

/**
 * Every error the daemon reports, with the gRPC status it travels as. The exact code also travels
 * in the {@link #TRAILER} so that clients can rebuild a typed error (see {@link TuskException}).
 */
public enum ErrorCode {
  INVALID_ARGUMENT(Status.Code.INVALID_ARGUMENT),
  REPO_NOT_FOUND(Status.Code.NOT_FOUND),
  BRANCH_NOT_FOUND(Status.Code.NOT_FOUND),
  COMMIT_NOT_FOUND(Status.Code.NOT_FOUND),
  FILE_NOT_FOUND(Status.Code.NOT_FOUND),
  PIPELINE_NOT_FOUND(Status.Code.NOT_FOUND),
  JOB_NOT_FOUND(Status.Code.NOT_FOUND),
  DATUM_NOT_FOUND(Status.Code.NOT_FOUND),
  REPO_EXISTS(Status.Code.ALREADY_EXISTS),
  PIPELINE_EXISTS(Status.Code.ALREADY_EXISTS),
  BRANCH_EXISTS(Status.Code.ALREADY_EXISTS),
  /** The commit is finished and can no longer change. */
  COMMIT_FINISHED(Status.Code.FAILED_PRECONDITION),
  /** The branch already has an open commit. */
  COMMIT_OPEN(Status.Code.FAILED_PRECONDITION),
  NOT_A_DIRECTORY(Status.Code.FAILED_PRECONDITION),
  IS_A_DIRECTORY(Status.Code.FAILED_PRECONDITION),
  /** Something still depends on what was to be deleted. */
  IN_USE(Status.Code.FAILED_PRECONDITION),
  /** Concurrent writers kept winning the compare-and-set; nothing was changed. */
  CONFLICT(Status.Code.ABORTED),
  /** The change may or may not have been applied; look before retrying. */
  OUTCOME_UNKNOWN(Status.Code.UNKNOWN),
  UNAVAILABLE(Status.Code.UNAVAILABLE),
  INTERNAL(Status.Code.INTERNAL);

  /** The trailer that carries the code's name. */
  public static final Metadata.Key<String> TRAILER =
      Metadata.Key.of("tusk-error-code", Metadata.ASCII_STRING_MARSHALLER);

  private final Status.Code status;

  ErrorCode(Status.Code status) {
    this.status = status;
  }

  /** The gRPC status code this error travels as. */
  public Status.Code status() {
    return status;
  }
}
