package dev.tusk.fsd.s3;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One request as the gateway sees it, path-style: {@code /bucket/key}. The key is percent-decoded
 * ({@code +} stays a plus, as S3 clients encode a space as {@code %20}).
 *
 * @param path the whole decoded path, as signed
 * @param bucket the first path segment, or null for the service ({@code GET /})
 * @param key what follows the bucket's slash, or null when nothing does
 * @param query decoded query parameters, in order; a parameter without a value has ""
 */
record S3Request(
    String method,
    String path,
    String bucket,
    String key,
    Map<String, List<String>> query,
    HttpHeaders headers) {

  static S3Request parse(String method, String uri, HttpHeaders headers) {
    int question = uri.indexOf('?');
    String rawPath = question < 0 ? uri : uri.substring(0, question);
    String path = decodePath(rawPath);
    if (!path.startsWith("/")) {
      throw S3Exception.invalidArgument("Invalid request path '" + rawPath + "'");
    }
    Map<String, List<String>> query = new LinkedHashMap<>();
    if (question >= 0) {
      // S3 clients encode spaces as %20; a '+' in a query value means '+'.
      String raw = uri.substring(question + 1).replace("+", "%2B");
      query.putAll(new QueryStringDecoder(raw, StandardCharsets.UTF_8, false).parameters());
    }
    String rest = path.substring(1);
    String bucket = null;
    String key = null;
    if (!rest.isEmpty()) {
      int slash = rest.indexOf('/');
      bucket = slash < 0 ? rest : rest.substring(0, slash);
      key = slash < 0 || slash == rest.length() - 1 ? null : rest.substring(slash + 1);
    }
    return new S3Request(method, path, bucket, key, Map.copyOf(query), headers);
  }

  /** The first value of a query parameter, or null. */
  String param(String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  boolean has(String param) {
    return query.containsKey(param);
  }

  String header(String name) {
    return headers.get(name);
  }

  private static String decodePath(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    byte[] out = new byte[raw.length()];
    int n = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          throw S3Exception.invalidArgument("Invalid percent-encoding in path '" + raw + "'");
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw S3Exception.invalidArgument("Invalid percent-encoding in path '" + raw + "'");
        }
        out[n++] = (byte) (hi << 4 | lo);
        i += 2;
      } else if (c < 0x80) {
        out[n++] = (byte) c;
      } else {
        byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        if (n + utf8.length > out.length) {
          out = java.util.Arrays.copyOf(out, out.length * 2 + utf8.length);
        }
        System.arraycopy(utf8, 0, out, n, utf8.length);
        n += utf8.length;
      }
    }
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }
}
