package dev.tusk.fsd.s3;

import dev.tusk.fsd.PfsException;

/** S3's error document, and how Tusk's own errors map onto S3's codes. */
final class S3Errors {
  private S3Errors() {}

  static String xml(String code, String message, String resource, String requestId) {
    return S3Xml.plainDocument("Error")
        .element("Code", code)
        .element("Message", message)
        .element("Resource", resource)
        .element("RequestId", requestId)
        .finish();
  }

  /** The S3 error for a failure of the versioned file system under {@code bucket}/{@code key}. */
  static S3Exception fromPfs(PfsException e, String bucket, String key) {
    return switch (e.code()) {
      case REPO_NOT_FOUND, BRANCH_NOT_FOUND, COMMIT_NOT_FOUND ->
          S3Exception.noSuchBucket(bucket, e.getMessage());
      case FILE_NOT_FOUND -> key == null
          ? new S3Exception("NoSuchKey", 404, e.getMessage())
          : S3Exception.noSuchKey(key);
      case INVALID_ARGUMENT -> S3Exception.invalidArgument(e.getMessage());
      case IS_A_DIRECTORY, NOT_A_DIRECTORY ->
          new S3Exception("InvalidArgument", 400,
              "Key '" + key + "' conflicts with a directory or file in the repo: " + e.getMessage());
      case REPO_EXISTS, BRANCH_EXISTS -> new S3Exception("BucketAlreadyOwnedByYou", 409, e.getMessage());
      case COMMIT_FINISHED, COMMIT_OPEN, IN_USE -> new S3Exception("InvalidRequest", 409, e.getMessage());
      case CONFLICT -> new S3Exception("OperationAborted", 409, e.getMessage());
      case UNAVAILABLE -> new S3Exception("ServiceUnavailable", 503, e.getMessage());
      default -> new S3Exception("InternalError", 500, e.getMessage(), e);
    };
  }
}
