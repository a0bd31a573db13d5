package dev.tusk.fsd.s3;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The arithmetic of AWS Signature Version 4 as S3 uses it: canonical requests, strings to sign,
 * signing keys, and the chained signatures of {@code aws-chunked} bodies. No I/O and no policy:
 * {@link S3Authenticator} decides what to check.
 */
final class SigV4 {
  static final String ALGORITHM = "AWS4-HMAC-SHA256";
  static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private static final HexFormat HEX = HexFormat.of();

  private SigV4() {}

  /** {@code date/region/service/aws4_request}: the credential scope, without the key id. */
  record Scope(String date, String region, String service) {
    @Override
    public String toString() {
      return date + "/" + region + "/" + service + "/aws4_request";
    }
  }

  /**
   * The canonical request.
   *
   * @param decodedPath the request path, percent-decoded; it is encoded again here, segment by
   *     segment, as S3 does (once, keeping {@code /})
   * @param query decoded parameters (a parameter without a value has "")
   * @param headers lowercase name to value, only the signed ones
   */
  static String canonicalRequest(
      String method,
      String decodedPath,
      Map<String, List<String>> query,
      Map<String, String> headers,
      String payloadHash) {
    StringBuilder out = new StringBuilder(256);
    out.append(method).append('\n').append(uriEncode(decodedPath, false)).append('\n');
    TreeMap<String, List<String>> sorted = new TreeMap<>();
    for (Map.Entry<String, List<String>> param : query.entrySet()) {
      List<String> values = param.getValue().stream().map(v -> uriEncode(v, true)).sorted().toList();
      sorted.put(uriEncode(param.getKey(), true), values);
    }
    boolean first = true;
    for (Map.Entry<String, List<String>> param : sorted.entrySet()) {
      for (String value : param.getValue()) {
        out.append(first ? "" : "&").append(param.getKey()).append('=').append(value);
        first = false;
      }
    }
    out.append('\n');
    TreeMap<String, String> canonicalHeaders = new TreeMap<>(headers);
    for (Map.Entry<String, String> header : canonicalHeaders.entrySet()) {
      out.append(header.getKey()).append(':').append(trimValue(header.getValue())).append('\n');
    }
    out.append('\n').append(String.join(";", canonicalHeaders.keySet())).append('\n');
    return out.append(payloadHash).toString();
  }

  static String stringToSign(String amzDate, Scope scope, String canonicalRequest) {
    return ALGORITHM + "\n" + amzDate + "\n" + scope + "\n" + sha256Hex(canonicalRequest);
  }

  /** The string to sign for one chunk of an {@code aws-chunked} body. */
  static String chunkStringToSign(
      String amzDate, Scope scope, String previousSignature, String chunkSha256) {
    return ALGORITHM + "-PAYLOAD\n" + amzDate + "\n" + scope + "\n" + previousSignature + "\n"
        + EMPTY_SHA256 + "\n" + chunkSha256;
  }

  /** The string to sign for the trailing headers of an {@code aws-chunked} body. */
  static String trailerStringToSign(
      String amzDate, Scope scope, String previousSignature, String trailerSha256) {
    return ALGORITHM + "-TRAILER\n" + amzDate + "\n" + scope + "\n" + previousSignature + "\n"
        + trailerSha256;
  }

  static byte[] signingKey(String secretKey, Scope scope) {
    byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), scope.date());
    key = hmac(key, scope.region());
    key = hmac(key, scope.service());
    return hmac(key, "aws4_request");
  }

  static String sign(byte[] signingKey, String stringToSign) {
    return HEX.formatHex(hmac(signingKey, stringToSign));
  }

  /** Compares signatures in time independent of where they differ. */
  static boolean sameSignature(String expected, String given) {
    return MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.US_ASCII), given.getBytes(StandardCharsets.US_ASCII));
  }

  static String sha256Hex(String text) {
    return HEX.formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  static String hex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /**
   * AWS's URI encoding: every byte but {@code A-Z a-z 0-9 - _ . ~} as {@code %XY} (uppercase hex),
   * and {@code /} too when {@code slash} is set.
   */
  static String uriEncode(String text, boolean slash) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length + 16);
    for (byte b : bytes) {
      int c = b & 0xff;
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !slash)) {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }

  /** Header values are trimmed and runs of spaces inside them become one. */
  private static String trimValue(String value) {
    return value.strip().replaceAll(" +", " ");
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }
}
