package dev.tusk.fsd.s3;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a request's Signature V4, from its {@code Authorization} header or, presigned, from its
 * query, against the configured credentials; with none configured and anonymous access allowed,
 * unsigned requests pass. What the signature says about the body ({@link Payload}) is checked as
 * the body is read ({@link RequestBodies}).
 */
final class S3Authenticator {
  static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final Duration MAX_SKEW = Duration.ofMinutes(15);
  private static final long MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
  private static final Pattern HEADER = Pattern.compile(
      "AWS4-HMAC-SHA256\\s+Credential=([^,\\s]+)\\s*,\\s*SignedHeaders=([^,\\s]+)\\s*,\\s*"
          + "Signature=([0-9a-f]{64})\\s*");

  private final S3Credentials credentials;
  private final boolean anonymous;
  private final Clock clock;

  S3Authenticator(S3Credentials credentials, boolean anonymous, Clock clock) {
    this.credentials = credentials;
    this.anonymous = anonymous;
    this.clock = clock;
  }

  /** How the body is protected, as the signature declared it. */
  enum PayloadKind {
    UNSIGNED,
    /** {@code x-amz-content-sha256} holds the body's SHA-256. */
    SHA256,
    /** {@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD}: signed chunks. */
    STREAMING_SIGNED,
    /** {@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER}: signed chunks and a signed trailer. */
    STREAMING_SIGNED_TRAILER,
    /** {@code STREAMING-UNSIGNED-PAYLOAD-TRAILER}: chunks and a trailer, unsigned. */
    STREAMING_UNSIGNED_TRAILER
  }

  /**
   * What a verified request says about its body.
   *
   * @param sha256 the declared hash for {@link PayloadKind#SHA256}
   * @param signingKey, amzDate, scope, seedSignature: what chunk signatures chain from (null when
   *     the request was anonymous)
   */
  record Payload(
      PayloadKind kind,
      String sha256,
      byte[] signingKey,
      String amzDate,
      SigV4.Scope scope,
      String seedSignature) {
    static final Payload ANONYMOUS = new Payload(PayloadKind.UNSIGNED, null, null, null, null, null);
  }

  Payload verify(S3Request request) {
    String authorization = request.header("Authorization");
    if (authorization != null) {
      return verifyHeader(request, authorization);
    }
    if (request.has("X-Amz-Signature")) {
      return verifyPresigned(request);
    }
    if (request.has("Signature") || request.has("AWSAccessKeyId")
        || (authorization != null && authorization.startsWith("AWS "))) {
      throw S3Exception.invalidArgument("Signature Version 2 is not supported: use Signature V4");
    }
    if (anonymous) {
      return Payload.ANONYMOUS;
    }
    throw S3Exception.accessDenied("Anonymous access is not enabled: sign the request (Signature V4)");
  }

  private Payload verifyHeader(S3Request request, String authorization) {
    if (authorization.startsWith("AWS ")) {
      throw S3Exception.invalidArgument("Signature Version 2 is not supported: use Signature V4");
    }
    Matcher m = HEADER.matcher(authorization);
    if (!m.matches()) {
      throw new S3Exception(
          "AuthorizationHeaderMalformed", 400,
          "The Authorization header is not a Signature V4 header: " + authorization);
    }
    SigV4.Scope scope = scope(m.group(1));
    List<String> signedHeaders = List.of(m.group(2).split(";"));
    String amzDate = request.header("x-amz-date");
    if (amzDate == null) {
      throw S3Exception.accessDenied("The request has no x-amz-date header");
    }
    Instant signedAt = parseAmzDate(amzDate);
    Instant now = clock.instant();
    if (Duration.between(signedAt, now).abs().compareTo(MAX_SKEW) > 0) {
      throw new S3Exception(
          "RequestTimeTooSkewed", 403,
          "The request was signed at " + amzDate + ", more than 15 minutes from the server's time "
              + AMZ_DATE.format(now));
    }
    checkScopeDate(scope, amzDate);
    String payloadHash = request.header("x-amz-content-sha256");
    if (payloadHash == null) {
      throw S3Exception.invalidArgument("The request has no x-amz-content-sha256 header");
    }
    PayloadKind kind = payloadKind(payloadHash);
    if (!signedHeaders.contains("host")) {
      throw S3Exception.accessDenied("The signature must cover the host header");
    }
    String signature = m.group(3);
    byte[] key = SigV4.signingKey(credentials.secretAccessKey(), scope);
    String canonical = SigV4.canonicalRequest(
        request.method(), request.path(), request.query(), signedValues(request, signedHeaders),
        payloadHash);
    String expected = SigV4.sign(key, SigV4.stringToSign(amzDate, scope, canonical));
    if (!SigV4.sameSignature(expected, signature)) {
      throw signatureMismatch();
    }
    return new Payload(
        kind, kind == PayloadKind.SHA256 ? payloadHash : null, key, amzDate, scope, signature);
  }

  private Payload verifyPresigned(S3Request request) {
    if (!SigV4.ALGORITHM.equals(request.param("X-Amz-Algorithm"))) {
      throw S3Exception.invalidArgument("X-Amz-Algorithm must be " + SigV4.ALGORITHM);
    }
    String credential = required(request, "X-Amz-Credential");
    String amzDate = required(request, "X-Amz-Date");
    String signedHeaders = required(request, "X-Amz-SignedHeaders");
    String signature = required(request, "X-Amz-Signature");
    long expires;
    try {
      expires = Long.parseLong(required(request, "X-Amz-Expires"));
    } catch (NumberFormatException e) {
      throw S3Exception.invalidArgument("X-Amz-Expires must be a number of seconds");
    }
    if (expires < 1 || expires > MAX_PRESIGN_SECONDS) {
      throw S3Exception.invalidArgument("X-Amz-Expires must be between 1 and 604800 seconds");
    }
    SigV4.Scope scope = scope(credential);
    checkScopeDate(scope, amzDate);
    Instant signedAt = parseAmzDate(amzDate);
    Instant now = clock.instant();
    if (now.isAfter(signedAt.plusSeconds(expires))) {
      throw S3Exception.accessDenied("Request has expired (signed at " + amzDate + " for " + expires + " s)");
    }
    if (signedAt.isAfter(now.plus(MAX_SKEW))) {
      throw S3Exception.accessDenied("Request is signed for a time in the future: " + amzDate);
    }
    Map<String, List<String>> query = new LinkedHashMap<>(request.query());
    query.remove("X-Amz-Signature");
    String payloadHash = request.param("X-Amz-Content-Sha256");
    if (payloadHash == null) {
      payloadHash = "UNSIGNED-PAYLOAD";
    }
    byte[] key = SigV4.signingKey(credentials.secretAccessKey(), scope);
    String canonical = SigV4.canonicalRequest(
        request.method(), request.path(), query,
        signedValues(request, List.of(signedHeaders.split(";"))), payloadHash);
    String expected = SigV4.sign(key, SigV4.stringToSign(amzDate, scope, canonical));
    if (!SigV4.sameSignature(expected, signature)) {
      throw signatureMismatch();
    }
    PayloadKind kind = payloadHash.equals("UNSIGNED-PAYLOAD") ? PayloadKind.UNSIGNED : PayloadKind.SHA256;
    if (kind == PayloadKind.SHA256 && !payloadHash.matches("[0-9a-f]{64}")) {
      throw S3Exception.invalidArgument("X-Amz-Content-Sha256 is not a SHA-256: " + payloadHash);
    }
    return new Payload(kind, kind == PayloadKind.SHA256 ? payloadHash : null, key, amzDate, scope, signature);
  }

  private SigV4.Scope scope(String credential) {
    if (credentials == null) {
      throw new S3Exception(
          "InvalidAccessKeyId", 403,
          "This gateway has no access keys configured (set TUSK_S3_ACCESS_KEY_ID and"
              + " TUSK_S3_SECRET_ACCESS_KEY on the daemon)");
    }
    String[] parts = credential.split("/");
    if (parts.length != 5 || !parts[4].equals("aws4_request")) {
      throw new S3Exception(
          "AuthorizationHeaderMalformed", 400,
          "Credential must be KEYID/DATE/REGION/SERVICE/aws4_request, not " + credential);
    }
    if (!parts[0].equals(credentials.accessKeyId())) {
      throw new S3Exception(
          "InvalidAccessKeyId", 403,
          "The access key id '" + parts[0] + "' is not known to this gateway");
    }
    if (!parts[3].equals("s3")) {
      throw new S3Exception(
          "AuthorizationHeaderMalformed", 400, "The credential scope's service must be s3, not " + parts[3]);
    }
    // Any region is accepted: the gateway has none of its own, and clients pick one.
    return new SigV4.Scope(parts[1], parts[2], parts[3]);
  }

  private static void checkScopeDate(SigV4.Scope scope, String amzDate) {
    if (!amzDate.startsWith(scope.date())) {
      throw new S3Exception(
          "AuthorizationHeaderMalformed", 400,
          "The credential's date " + scope.date() + " is not the signing date " + amzDate);
    }
  }

  private static Map<String, String> signedValues(S3Request request, List<String> names) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String name : names) {
      String lower = name.toLowerCase(Locale.ROOT);
      List<String> all = request.headers().getAll(lower);
      if (all.isEmpty()) {
        throw S3Exception.accessDenied("The signed header '" + lower + "' is missing from the request");
      }
      values.put(lower, String.join(",", all));
    }
    return values;
  }

  private static PayloadKind payloadKind(String payloadHash) {
    switch (payloadHash) {
      case "UNSIGNED-PAYLOAD":
        return PayloadKind.UNSIGNED;
      case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD":
        return PayloadKind.STREAMING_SIGNED;
      case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER":
        return PayloadKind.STREAMING_SIGNED_TRAILER;
      case "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
        return PayloadKind.STREAMING_UNSIGNED_TRAILER;
      default:
        if (!payloadHash.matches("[0-9a-f]{64}")) {
          throw S3Exception.invalidArgument(
              "x-amz-content-sha256 must be a SHA-256 in hex, UNSIGNED-PAYLOAD or a STREAMING-..."
                  + " mode, not '" + payloadHash + "'");
        }
        return PayloadKind.SHA256;
    }
  }

  private static Instant parseAmzDate(String amzDate) {
    try {
      return Instant.from(AMZ_DATE.parse(amzDate));
    } catch (DateTimeParseException e) {
      throw S3Exception.accessDenied("Invalid X-Amz-Date '" + amzDate + "': expected yyyyMMddTHHmmssZ");
    }
  }

  private static String required(S3Request request, String param) {
    String value = request.param(param);
    if (value == null || value.isEmpty()) {
      throw new S3Exception(
          "AuthorizationQueryParametersError", 400, "The presigned request has no " + param);
    }
    return value;
  }

  static S3Exception signatureMismatch() {
    return new S3Exception(
        "SignatureDoesNotMatch", 403,
        "The request signature we calculated does not match the signature you provided."
            + " Check your secret access key and signing method.");
  }
}
