package dev.tusk.fsd.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Signature V4 against the examples AWS publishes for S3 ("Signature Calculations for the
 * Authorization Header", "Query String Authentication", "Transferring Payload in Multiple Chunks"),
 * which use the key AKIAIOSFODNN7EXAMPLE and its example secret, signed at 20130524T000000Z.
 */
class SigV4Test {
  private static final S3Credentials KEY =
      new S3Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  private static final Clock SIGNING_TIME =
      Clock.fixed(Instant.parse("2013-05-24T00:00:00Z"), ZoneOffset.UTC);
  private final S3Authenticator auth = new S3Authenticator(KEY, false, SIGNING_TIME);

  @Test
  void getObjectWithRangeMatchesAwsExample() {
    HttpHeaders headers = new DefaultHttpHeaders()
        .set("Host", "examplebucket.s3.amazonaws.com")
        .set("Range", "bytes=0-9")
        .set("x-amz-content-sha256", SigV4.EMPTY_SHA256)
        .set("x-amz-date", "20130524T000000Z")
        .set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            + "aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature="
            + "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    S3Authenticator.Payload payload = auth.verify(S3Request.parse("GET", "/test.txt", headers));
    assertThat(payload.kind()).isEqualTo(S3Authenticator.PayloadKind.SHA256);
    assertThat(payload.sha256()).isEqualTo(SigV4.EMPTY_SHA256);
  }

  @Test
  void stringToSignOfAwsExample() {
    String canonical = SigV4.canonicalRequest(
        "GET", "/test.txt", java.util.Map.of(),
        java.util.Map.of(
            "host", "examplebucket.s3.amazonaws.com", "range", "bytes=0-9",
            "x-amz-content-sha256", SigV4.EMPTY_SHA256, "x-amz-date", "20130524T000000Z"),
        SigV4.EMPTY_SHA256);
    assertThat(SigV4.stringToSign("20130524T000000Z", new SigV4.Scope("20130524", "us-east-1", "s3"), canonical))
        .endsWith("7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  }

  @Test
  void aChangedHeaderBreaksTheSignature() {
    HttpHeaders headers = new DefaultHttpHeaders()
        .set("Host", "examplebucket.s3.amazonaws.com")
        .set("Range", "bytes=0-10")
        .set("x-amz-content-sha256", SigV4.EMPTY_SHA256)
        .set("x-amz-date", "20130524T000000Z")
        .set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            + "aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature="
            + "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    assertThatThrownBy(() -> auth.verify(S3Request.parse("GET", "/test.txt", headers)))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.code()).isEqualTo("SignatureDoesNotMatch"));
  }

  @Test
  void anUnknownKeyIsInvalidAccessKeyId() {
    HttpHeaders headers = new DefaultHttpHeaders()
        .set("Host", "examplebucket.s3.amazonaws.com")
        .set("x-amz-content-sha256", SigV4.EMPTY_SHA256)
        .set("x-amz-date", "20130524T000000Z")
        .set("Authorization", "AWS4-HMAC-SHA256 Credential=SOMEONEELSE/20130524/us-east-1/s3/"
            + "aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature="
            + "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    assertThatThrownBy(() -> auth.verify(S3Request.parse("GET", "/test.txt", headers)))
        .isInstanceOfSatisfying(S3Exception.class, e -> {
          assertThat(e.code()).isEqualTo("InvalidAccessKeyId");
          assertThat(e.status()).isEqualTo(403);
        });
  }

  @Test
  void unsignedRequestsAreRefusedUnlessAnonymousIsOn() {
    HttpHeaders headers = new DefaultHttpHeaders().set("Host", "localhost");
    assertThatThrownBy(() -> auth.verify(S3Request.parse("GET", "/b.r/k", headers)))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.code()).isEqualTo("AccessDenied"));
    assertThat(new S3Authenticator(null, true, SIGNING_TIME).verify(S3Request.parse("GET", "/b.r/k", headers)))
        .isEqualTo(S3Authenticator.Payload.ANONYMOUS);
  }

  @Test
  void presignedUrlMatchesAwsExample() {
    HttpHeaders headers = new DefaultHttpHeaders().set("Host", "examplebucket.s3.amazonaws.com");
    String uri = "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
    assertThat(auth.verify(S3Request.parse("GET", uri, headers)).kind())
        .isEqualTo(S3Authenticator.PayloadKind.UNSIGNED);
    S3Authenticator later = new S3Authenticator(
        KEY, false, Clock.fixed(Instant.parse("2013-05-25T00:00:01Z"), ZoneOffset.UTC));
    assertThatThrownBy(() -> later.verify(S3Request.parse("GET", uri, headers)))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.getMessage()).contains("expired"));
  }

  @Test
  void chunkedUploadMatchesAwsExample() throws Exception {
    HttpHeaders headers = new DefaultHttpHeaders()
        .set("Host", "s3.amazonaws.com")
        .set("x-amz-date", "20130524T000000Z")
        .set("x-amz-storage-class", "REDUCED_REDUNDANCY")
        .set("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
        .set("Content-Encoding", "aws-chunked")
        .set("x-amz-decoded-content-length", "66560")
        .set("Content-Length", "66824")
        .set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            + "aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;"
            + "x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature="
            + "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
    S3Request request = S3Request.parse("PUT", "/examplebucket/chunkObject.txt", headers);
    S3Authenticator.Payload payload = auth.verify(request);
    assertThat(payload.kind()).isEqualTo(S3Authenticator.PayloadKind.STREAMING_SIGNED);

    byte[] body = chunkedBody(
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
    assertThat(body).hasSize(66824);
    InputStream decoded = RequestBodies.open(new ByteArrayInputStream(body), request, payload);
    byte[] data = decoded.readAllBytes();
    assertThat(data).hasSize(66560);
    assertThat(data).containsOnly((byte) 'a');
  }

  @Test
  void aForgedChunkIsRefused() {
    HttpHeaders headers = new DefaultHttpHeaders()
        .set("Host", "s3.amazonaws.com")
        .set("x-amz-date", "20130524T000000Z")
        .set("x-amz-storage-class", "REDUCED_REDUNDANCY")
        .set("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
        .set("Content-Encoding", "aws-chunked")
        .set("x-amz-decoded-content-length", "66560")
        .set("Content-Length", "66824")
        .set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            + "aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;"
            + "x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature="
            + "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
    S3Request request = S3Request.parse("PUT", "/examplebucket/chunkObject.txt", headers);
    S3Authenticator.Payload payload = auth.verify(request);
    byte[] body = chunkedBody(
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
    body[100] = 'b'; // inside the first chunk
    InputStream decoded = RequestBodies.open(new ByteArrayInputStream(body), request, payload);
    assertThatThrownBy(decoded::readAllBytes)
        .isInstanceOfSatisfying(AwsChunkedStream.S3ExceptionInBody.class,
            e -> assertThat(e.error().code()).isEqualTo("SignatureDoesNotMatch"));
  }

  @Test
  void aBodyThatIsNotItsDeclaredSha256Fails() throws Exception {
    S3Authenticator.Payload payload = new S3Authenticator.Payload(
        S3Authenticator.PayloadKind.SHA256, SigV4.EMPTY_SHA256, null, null, null, null);
    S3Request request = S3Request.parse("PUT", "/b.r/k", new DefaultHttpHeaders().set("Content-Length", "3"));
    InputStream in = RequestBodies.open(
        new ByteArrayInputStream("abc".getBytes(StandardCharsets.US_ASCII)), request, payload);
    assertThatThrownBy(in::readAllBytes)
        .isInstanceOfSatisfying(AwsChunkedStream.S3ExceptionInBody.class,
            e -> assertThat(e.error().code()).isEqualTo("XAmzContentSHA256Mismatch"));
  }

  @Test
  void uriEncodingKeepsUnreservedAndSlashes() {
    assertThat(SigV4.uriEncode("/a b/c+d~e_f.g-h/ü", false)).isEqualTo("/a%20b/c%2Bd~e_f.g-h/%C3%BC");
    assertThat(SigV4.uriEncode("a/b", true)).isEqualTo("a%2Fb");
  }

  private static byte[] chunkedBody(String first, String second, String last) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] a64k = new byte[65536];
    Arrays.fill(a64k, (byte) 'a');
    write(out, "10000;chunk-signature=" + first + "\r\n");
    out.writeBytes(a64k);
    write(out, "\r\n400;chunk-signature=" + second + "\r\n");
    out.write(a64k, 0, 1024);
    write(out, "\r\n0;chunk-signature=" + last + "\r\n\r\n");
    return out.toByteArray();
  }

  private static void write(ByteArrayOutputStream out, String text) {
    out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
  }
}
