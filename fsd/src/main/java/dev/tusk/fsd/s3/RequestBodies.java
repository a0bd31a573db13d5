package dev.tusk.fsd.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Wraps a raw body in what its signature promised: aws-chunked decoding with chunk signatures, a
 * SHA-256 check at the end of an {@code x-amz-content-sha256} body, a {@code Content-MD5} check,
 * and the length it must have. A failed check throws instead of reporting the end of the stream,
 * so a caller that commits only after reading to the end never commits bad bytes.
 */
final class RequestBodies {
  private RequestBodies() {}

  static InputStream open(InputStream raw, S3Request request, S3Authenticator.Payload payload) {
    InputStream body = raw;
    long expectedLength = contentLength(request);
    switch (payload.kind()) {
      case STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER -> {
        body = new AwsChunkedStream(raw, payload);
        String decoded = request.header("x-amz-decoded-content-length");
        expectedLength = decoded == null ? -1 : parseLength(decoded, "x-amz-decoded-content-length");
      }
      case SHA256 -> body = new Checked(body, "SHA-256", payload.sha256(),
          "XAmzContentSHA256Mismatch", "The body's SHA-256 is not the x-amz-content-sha256 header");
      case UNSIGNED -> { }
    }
    String md5 = request.header("Content-MD5");
    if (md5 != null) {
      String hex;
      try {
        hex = SigV4.hex(Base64.getDecoder().decode(md5.strip()));
      } catch (IllegalArgumentException e) {
        throw new S3Exception("InvalidDigest", 400, "Content-MD5 is not base64: " + md5);
      }
      body = new Checked(body, "MD5", hex, "BadDigest", "The body's MD5 is not its Content-MD5");
    }
    if (expectedLength >= 0) {
      body = new Counted(body, expectedLength);
    }
    return body;
  }

  /** The Content-Length, or -1 when absent. */
  static long contentLength(S3Request request) {
    String value = request.header("Content-Length");
    return value == null ? -1 : parseLength(value, "Content-Length");
  }

  /** The object's length as the client declared it (decoded for aws-chunked), or -1. */
  static long declaredLength(S3Request request) {
    String decoded = request.header("x-amz-decoded-content-length");
    return decoded != null
        ? parseLength(decoded, "x-amz-decoded-content-length")
        : contentLength(request);
  }

  private static long parseLength(String value, String header) {
    try {
      long n = Long.parseLong(value.strip());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw S3Exception.invalidArgument(header + " is not a length: " + value);
    }
  }

  /** Fails at the end of the stream unless the digest matches. */
  private static final class Checked extends FilterInputStream {
    private final MessageDigest digest;
    private final String expectedHex;
    private final String code;
    private final String message;
    private boolean verified;

    Checked(InputStream in, String algorithm, String expectedHex, String code, String message) {
      super(in);
      try {
        this.digest = MessageDigest.getInstance(algorithm);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(algorithm + " is missing from this JDK", e);
      }
      this.expectedHex = expectedHex;
      this.code = code;
      this.message = message;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        digest.update(b, off, n);
      } else if (n < 0 && !verified) {
        if (!SigV4.hex(digest.digest()).equals(expectedHex)) {
          throw new AwsChunkedStream.S3ExceptionInBody(new S3Exception(code, 400, message));
        }
        verified = true;
      }
      return n;
    }
  }

  /** Fails if the stream ends before, or runs past, the declared length. */
  private static final class Counted extends FilterInputStream {
    private final long expected;
    private long seen;

    Counted(InputStream in, long expected) {
      super(in);
      this.expected = expected;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        seen += n;
        if (seen > expected) {
          throw new AwsChunkedStream.S3ExceptionInBody(new S3Exception(
              "IncompleteBody", 400, "The body is longer than its declared " + expected + " bytes"));
        }
      } else if (n < 0 && seen < expected) {
        throw new AwsChunkedStream.S3ExceptionInBody(new S3Exception(
            "IncompleteBody", 400, "The body ended after " + seen + " of " + expected + " bytes"));
      }
      return n;
    }
  }
}
