package dev.tusk.fsd.s3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Decodes an {@code aws-chunked} body: {@code hex-size[;chunk-signature=SIG]\r\n data \r\n}, ending
 * with a chunk of size 0 and, in the trailer variants, trailing headers. With signatures, each
 * chunk's is checked against the chain that starts at the request's signature before any of its
 * bytes are handed on, so a forged chunk never reaches the store; a body cut short fails.
 */
final class AwsChunkedStream extends InputStream {
  /** S3 allows chunks up to a few MiB; a bigger size line is refused rather than buffered. */
  private static final int MAX_CHUNK = 16 << 20;
  private static final int MAX_LINE = 4096;

  private final InputStream in;
  private final S3Authenticator.Payload payload;
  private final boolean signed;
  private final boolean trailer;
  private String previousSignature;
  private byte[] chunk = new byte[0];
  private int position;
  private int limit;
  private boolean done;
  private final List<String> trailers = new ArrayList<>();

  AwsChunkedStream(InputStream in, S3Authenticator.Payload payload) {
    this.in = in;
    this.payload = payload;
    this.signed = payload.kind() == S3Authenticator.PayloadKind.STREAMING_SIGNED
        || payload.kind() == S3Authenticator.PayloadKind.STREAMING_SIGNED_TRAILER;
    this.trailer = payload.kind() != S3Authenticator.PayloadKind.STREAMING_SIGNED;
    this.previousSignature = payload.seedSignature();
  }

  /** The trailing headers, {@code name:value}, once the body is read. */
  List<String> trailers() {
    return List.copyOf(trailers);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] into, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    while (position == limit) {
      if (done) {
        return -1;
      }
      nextChunk();
    }
    int n = Math.min(length, limit - position);
    System.arraycopy(chunk, position, into, offset, n);
    position += n;
    return n;
  }

  private void nextChunk() throws IOException {
    String header = readLine();
    int semi = header.indexOf(';');
    String sizeText = semi < 0 ? header : header.substring(0, semi);
    int size;
    try {
      size = Integer.parseInt(sizeText.strip(), 16);
    } catch (NumberFormatException e) {
      throw malformed("bad chunk size '" + sizeText + "'");
    }
    if (size < 0 || size > MAX_CHUNK) {
      throw malformed("a chunk of " + size + " bytes is larger than " + MAX_CHUNK);
    }
    String signature = null;
    if (semi >= 0) {
      String ext = header.substring(semi + 1).strip();
      if (ext.startsWith("chunk-signature=")) {
        signature = ext.substring("chunk-signature=".length());
      }
    }
    if (signed && signature == null) {
      throw malformed("a chunk has no chunk-signature");
    }
    if (chunk.length < size) {
      chunk = new byte[Math.max(size, Math.min(MAX_CHUNK, chunk.length * 2))];
    }
    int read = 0;
    while (read < size) {
      int n = in.read(chunk, read, size - read);
      if (n < 0) {
        throw malformed("the body ended inside a chunk");
      }
      read += n;
    }
    if (signed) {
      MessageDigest sha = SigV4.sha256();
      sha.update(chunk, 0, size);
      String expected = SigV4.sign(
          payload.signingKey(),
          SigV4.chunkStringToSign(
              payload.amzDate(), payload.scope(), previousSignature, SigV4.hex(sha.digest())));
      if (!SigV4.sameSignature(expected, signature)) {
        throw new S3ExceptionInBody(S3Authenticator.signatureMismatch());
      }
      previousSignature = signature;
    }
    position = 0;
    limit = size;
    if (size > 0) {
      if (!readLine().isEmpty()) {
        throw malformed("a chunk is not followed by CRLF");
      }
      return;
    }
    done = true;
    if (trailer) {
      readTrailers();
    } else {
      readLineOrEnd(); // the final CRLF
    }
  }

  private void readTrailers() throws IOException {
    String trailerSignature = null;
    StringBuilder canonical = new StringBuilder();
    while (true) {
      String line = readLineOrEnd();
      if (line == null || line.isEmpty()) {
        break;
      }
      int colon = line.indexOf(':');
      if (colon < 0) {
        throw malformed("bad trailer line '" + line + "'");
      }
      String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).strip();
      if (name.equals("x-amz-trailer-signature")) {
        trailerSignature = value;
      } else {
        trailers.add(name + ":" + value);
        canonical.append(name).append(':').append(value).append('\n');
      }
    }
    if (signed) {
      if (trailerSignature == null) {
        throw malformed("the trailer has no x-amz-trailer-signature");
      }
      String expected = SigV4.sign(
          payload.signingKey(),
          SigV4.trailerStringToSign(
              payload.amzDate(), payload.scope(), previousSignature,
              SigV4.sha256Hex(canonical.toString())));
      if (!SigV4.sameSignature(expected, trailerSignature)) {
        throw new S3ExceptionInBody(S3Authenticator.signatureMismatch());
      }
    }
  }

  private String readLine() throws IOException {
    String line = readLineOrEnd();
    if (line == null) {
      throw malformed("the body ended early");
    }
    return line;
  }

  /** A CRLF-terminated line without its CRLF, or null at the end of the stream. */
  private String readLineOrEnd() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(80);
    while (true) {
      int c = in.read();
      if (c < 0) {
        return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
      }
      if (c == '\n') {
        String text = line.toString(StandardCharsets.US_ASCII);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
      }
      if (line.size() >= MAX_LINE) {
        throw malformed("a chunk header line is longer than " + MAX_LINE + " bytes");
      }
      line.write(c);
    }
  }

  private static IOException malformed(String why) {
    return new S3ExceptionInBody(
        new S3Exception("IncompleteBody", 400, "Malformed aws-chunked body: " + why));
  }

  /** Carries an S3 error out of a stream read, which may only throw IOException. */
  static final class S3ExceptionInBody extends IOException {
    private static final long serialVersionUID = 1L;

    S3ExceptionInBody(S3Exception cause) {
      super(cause.getMessage(), cause);
    }

    S3Exception error() {
      return (S3Exception) getCause();
    }
  }
}
