package dev.tusk.chunkstore.s3;

import dev.tusk.chunkstore.ObjectKeys;
import dev.tusk.chunkstore.ObjectStore;
import dev.tusk.chunkstore.ObjectStoreFactory;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Opens {@code s3://bucket/optional/prefix?...} stores: objects in an S3 (or S3-compatible) bucket,
 * under an optional key prefix. For example:
 *
 * <pre>{@code
 * s3://bucket/repos/one?endpoint=http://127.0.0.1:9000&path_style=true&access_key=AK&secret_key=SK
 * }</pre>
 *
 * <p>Every query parameter is optional:
 *
 * <ul>
 *   <li>{@code endpoint}: an {@code http} or {@code https} URL for S3-compatible services; AWS by
 *       default.
 *   <li>{@code region}: {@code AWS_REGION} from the environment, else {@code us-east-1}.
 *   <li>{@code path_style}: {@code true} to address buckets by path rather than by host name, as
 *       most S3-compatible services need; {@code false} by default.
 *   <li>{@code access_key} and {@code secret_key}: both or neither; without them the AWS SDK's
 *       default credentials chain (environment, profile, instance role, ...) applies.
 *       Percent-encode {@code %}, {@code &} and {@code =} in them; a {@code +} stays a plus.
 * </ul>
 */
public final class S3ObjectStoreFactory implements ObjectStoreFactory {
  private static final String DEFAULT_REGION = "us-east-1";
  private static final Set<String> PARAMETERS =
      Set.of("endpoint", "region", "path_style", "access_key", "secret_key");
  // S3's bucket naming rules, less the legacy upper-case and underscore names.
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  @Override
  public String scheme() {
    return "s3";
  }

  @Override
  public ObjectStore create(URI url) {
    return new S3ObjectStore(parse(url, System.getenv("AWS_REGION")));
  }

  /** The settings named by {@code url}; {@code envRegion} is the environment's default region. */
  static S3ObjectStore.Settings parse(URI url, String envRegion) {
    if (!"s3".equals(url.getScheme()) || url.isOpaque()) {
      throw invalid(url, "expected s3://bucket/optional/prefix?...");
    }
    String bucket = url.getRawAuthority();
    if (bucket == null || !BUCKET.matcher(bucket).matches()) {
      throw invalid(url, "bucket '" + bucket + "' is not a valid S3 bucket name");
    }
    if (url.getRawFragment() != null) {
      throw invalid(url, "unexpected fragment '#" + url.getRawFragment() + "'");
    }
    Map<String, String> params = parameters(url);
    String accessKey = params.get("access_key");
    String secretKey = params.get("secret_key");
    if ((accessKey == null) != (secretKey == null)) {
      throw invalid(url, "access_key and secret_key must be given together");
    }
    String region = params.get("region");
    if (region == null) {
      region = envRegion == null || envRegion.isBlank() ? DEFAULT_REGION : envRegion;
    }
    return new S3ObjectStore.Settings(
        bucket,
        prefix(url),
        endpoint(url, params.get("endpoint")),
        region,
        pathStyle(url, params.get("path_style")),
        accessKey,
        secretKey);
  }

  private static String prefix(URI url) {
    String path = url.getPath() == null ? "" : url.getPath();
    path = path.startsWith("/") ? path.substring(1) : path;
    path = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    if (path.isEmpty()) {
      return "";
    }
    try {
      return ObjectKeys.check(path) + "/";
    } catch (IllegalArgumentException e) {
      throw invalid(url, "bad prefix: " + e.getMessage());
    }
  }

  private static Map<String, String> parameters(URI url) {
    Map<String, String> params = new HashMap<>();
    String query = url.getRawQuery();
    if (query == null || query.isEmpty()) {
      return params;
    }
    for (String pair : query.split("&", -1)) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw invalid(url, "query parameter '" + pair + "' is not name=value");
      }
      String name = pair.substring(0, eq);
      if (!PARAMETERS.contains(name)) {
        throw invalid(url, "unknown parameter '" + name + "' (expected one of " + PARAMETERS + ")");
      }
      // Secret keys often contain '+', which must stay a plus rather than become a space.
      String value =
          URLDecoder.decode(pair.substring(eq + 1).replace("+", "%2B"), StandardCharsets.UTF_8);
      if (value.isEmpty()) {
        throw invalid(url, "parameter '" + name + "' is empty");
      }
      if (params.put(name, value) != null) {
        throw invalid(url, "parameter '" + name + "' is given twice");
      }
    }
    return params;
  }

  private static URI endpoint(URI url, String endpoint) {
    if (endpoint == null) {
      return null;
    }
    try {
      URI uri = new URI(endpoint);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null) {
        throw invalid(url, "endpoint '" + endpoint + "' is not an http or https URL with a host");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw invalid(url, "endpoint '" + endpoint + "' is not a URL: " + e.getMessage());
    }
  }

  private static boolean pathStyle(URI url, String value) {
    if (value == null || value.equals("false")) {
      return false;
    }
    if (value.equals("true")) {
      return true;
    }
    throw invalid(url, "path_style must be true or false, got '" + value + "'");
  }

  private static IllegalArgumentException invalid(URI url, String why) {
    return new IllegalArgumentException("Invalid S3 store URL '" + redacted(url) + "': " + why);
  }

  /** {@code url} with the secret key's value hidden, for messages. */
  static String redacted(URI url) {
    return url.toString().replaceAll("(?<=[?&]secret_key=)[^&#]*", "***");
  }
}
