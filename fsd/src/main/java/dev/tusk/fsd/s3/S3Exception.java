package dev.tusk.fsd.s3;

/**
 * A request the gateway refuses, as S3 reports it: an error code from S3's table (NoSuchKey,
 * SignatureDoesNotMatch, ...), its HTTP status and a message that says what was wrong.
 */
final class S3Exception extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;
  private final int status;

  S3Exception(String code, int status, String message) {
    super(message);
    this.code = code;
    this.status = status;
  }

  S3Exception(String code, int status, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.status = status;
  }

  String code() {
    return code;
  }

  int status() {
    return status;
  }

  static S3Exception invalidArgument(String message) {
    return new S3Exception("InvalidArgument", 400, message);
  }

  static S3Exception accessDenied(String message) {
    return new S3Exception("AccessDenied", 403, message);
  }

  static S3Exception noSuchKey(String key) {
    return new S3Exception("NoSuchKey", 404, "The key '" + key + "' does not exist");
  }

  static S3Exception noSuchBucket(String bucket, String why) {
    return new S3Exception("NoSuchBucket", 404, "The bucket '" + bucket + "' does not exist: " + why);
  }

  static S3Exception malformedXml(String message) {
    return new S3Exception("MalformedXML", 400, message);
  }

  static S3Exception notImplemented(String what) {
    return new S3Exception("NotImplemented", 501, what + " is not implemented by Tusk's S3 gateway");
  }
}
