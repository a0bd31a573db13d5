package dev.tusk.chunkstore;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Opens object stores by URL: {@code file:///var/lib/tusk}, {@code s3://bucket/prefix?endpoint=...},
 * {@code azblob://container/prefix?...}, {@code mem://}. Every store returned retries transient
 * failures with backoff and jitter.
 */
public final class ObjectStores {
  private ObjectStores() {}

  /** Opens the store named by {@code url} with the default retry policy. */
  public static ObjectStore open(String url) throws IOException {
    return open(url, RetryPolicy.DEFAULT);
  }

  /** Opens the store named by {@code url}, retrying transient failures by {@code retries}. */
  public static ObjectStore open(String url, RetryPolicy retries) throws IOException {
    URI uri;
    try {
      // java.net.URI refuses an empty authority ("mem://"); an empty path after it means the same.
      uri = new URI(url.endsWith("://") ? url + "/" : url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "Invalid store URL '" + redacted(url) + "': " + e.getReason(), e);
    }
    if (uri.getScheme() == null) {
      throw new IllegalArgumentException(
          "Invalid store URL '" + redacted(url) + "': no scheme (expected one of " + schemes() + ")");
    }
    for (ObjectStoreFactory factory : ServiceLoader.load(ObjectStoreFactory.class)) {
      if (factory.scheme().equals(uri.getScheme())) {
        return new RetryingObjectStore(factory.create(uri), retries);
      }
    }
    throw new IllegalArgumentException(
        "Unknown store URL scheme '" + uri.getScheme() + "' in '" + redacted(url) + "' (expected one of "
            + schemes() + ")");
  }

  /** The URL without its query, where keys and connection strings live, for error messages. */
  static String redacted(String url) {
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query) + "?...";
  }

  private static List<String> schemes() {
    List<String> schemes = new ArrayList<>();
    ServiceLoader.load(ObjectStoreFactory.class).forEach(f -> schemes.add(f.scheme()));
    return schemes;
  }
}
