package dev.tusk.chunkstore.azure;

import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import dev.tusk.chunkstore.ObjectKeys;
import dev.tusk.chunkstore.ObjectStore;
import dev.tusk.chunkstore.ObjectStoreFactory;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * {@code azblob://container/optional/prefix?...}: objects as block blobs in an Azure Blob Storage
 * container, under an optional prefix. Credentials come from one of:
 *
 * <ul>
 *   <li>{@code connection_string=<URL-encoded connection string>};
 *   <li>{@code account=NAME&key=BASE64_KEY}, with an optional {@code endpoint=https://...} (default
 *       {@code https://NAME.blob.core.windows.net});
 *   <li>with neither, the environment variable {@value #CONNECTION_STRING_ENV}.
 * </ul>
 *
 * <p>The container is created on the first write if it does not exist. Opening a store sends no
 * request.
 */
public final class AzureBlobObjectStoreFactory implements ObjectStoreFactory {
  /** The environment variable read when the URL carries no credentials. */
  public static final String CONNECTION_STRING_ENV = "AZURE_STORAGE_CONNECTION_STRING";

  private static final String CONNECTION_STRING = "connection_string";
  private static final String ACCOUNT = "account";
  private static final String KEY = "key";
  private static final String ENDPOINT = "endpoint";
  private static final Set<String> PARAMETERS = Set.of(CONNECTION_STRING, ACCOUNT, KEY, ENDPOINT);

  // Azure's container naming rules: 3-63 of [a-z0-9-], starting and ending alphanumeric, no "--".
  private static final Pattern CONTAINER = Pattern.compile("[a-z0-9](?:-?[a-z0-9]){2,62}");
  private static final int MAX_CONTAINER_LENGTH = 63;

  private final UnaryOperator<String> env;

  /** The factory that {@link java.util.ServiceLoader} finds; reads the real environment. */
  public AzureBlobObjectStoreFactory() {
    this(System::getenv);
  }

  AzureBlobObjectStoreFactory(UnaryOperator<String> env) {
    this.env = env;
  }

  @Override
  public String scheme() {
    return "azblob";
  }

  @Override
  public ObjectStore create(URI url) {
    String container = url.getRawAuthority();
    // Never the whole URL in messages: its query holds secrets.
    String name =
        "azblob://" + (container == null ? "" : container) + nullToEmpty(url.getRawPath());
    if (!scheme().equals(url.getScheme()) || container == null) {
      throw invalid(name, "expected azblob://container/optional/prefix?credentials");
    }
    if (container.length() > MAX_CONTAINER_LENGTH || !CONTAINER.matcher(container).matches()) {
      throw invalid(
          name,
          "container '"
              + container
              + "' must be 3 to 63 lowercase letters, digits and single"
              + " hyphens, starting and ending with a letter or digit");
    }
    if (url.getRawFragment() != null) {
      throw invalid(name, "a fragment is not allowed");
    }
    String prefix = prefix(name, url.getRawPath());
    BlobServiceClientBuilder service = credentials(name, parameters(name, url.getRawQuery()));
    return new AzureBlobObjectStore(service, container, prefix);
  }

  /** The key prefix from the URL's path: empty, or segments followed by '/'. */
  private static String prefix(String name, String path) {
    String prefix = path == null || path.length() <= 1 ? "" : path.substring(1);
    if (prefix.isEmpty()) {
      return prefix;
    }
    if (!prefix.endsWith("/")) {
      prefix += "/";
    }
    try {
      return ObjectKeys.checkPrefix(prefix);
    } catch (IllegalArgumentException e) {
      throw invalid(name, "bad prefix: " + e.getMessage());
    }
  }

  private BlobServiceClientBuilder credentials(String name, Map<String, String> parameters) {
    String connectionString = parameters.get(CONNECTION_STRING);
    String account = parameters.get(ACCOUNT);
    String key = parameters.get(KEY);
    String endpoint = parameters.get(ENDPOINT);
    if (connectionString != null && (account != null || key != null || endpoint != null)) {
      throw invalid(name, "give either connection_string or account and key, not both");
    }
    if (connectionString == null && account == null && key == null) {
      if (endpoint != null) {
        throw invalid(name, "endpoint needs account and key");
      }
      connectionString = env.apply(CONNECTION_STRING_ENV);
      if (connectionString == null || connectionString.isBlank()) {
        throw invalid(
            name,
            "no credentials: add connection_string=..., or account=...&key=..., or set "
                + CONNECTION_STRING_ENV);
      }
    }
    if (connectionString != null) {
      try {
        return new BlobServiceClientBuilder().connectionString(connectionString);
      } catch (IllegalArgumentException e) {
        // The SDK's messages name the missing setting, never the secret.
        throw invalid(name, "bad connection string: " + e.getMessage());
      }
    }
    return sharedKey(name, account, key, endpoint);
  }

  private static BlobServiceClientBuilder sharedKey(
      String name, String account, String key, String endpoint) {
    if (account == null || account.isEmpty() || key == null || key.isEmpty()) {
      throw invalid(name, "account and key must be given together");
    }
    try {
      Base64.getDecoder().decode(key);
    } catch (IllegalArgumentException e) {
      throw invalid(name, "key is not Base64 (is it URL-encoded?)");
    }
    String blobEndpoint =
        endpoint != null ? endpoint : "https://" + account + ".blob.core.windows.net";
    URI endpointUri;
    try {
      endpointUri = new URI(blobEndpoint);
    } catch (URISyntaxException e) {
      throw invalid(name, "bad endpoint '" + blobEndpoint + "': " + e.getMessage());
    }
    if (!("https".equals(endpointUri.getScheme()) || "http".equals(endpointUri.getScheme()))
        || endpointUri.getHost() == null) {
      throw invalid(name, "endpoint '" + blobEndpoint + "' must be an http or https URL");
    }
    return new BlobServiceClientBuilder()
        .endpoint(blobEndpoint)
        .credential(new StorageSharedKeyCredential(account, key));
  }

  private static Map<String, String> parameters(String name, String rawQuery) {
    Map<String, String> parameters = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return parameters;
    }
    for (String pair : rawQuery.split("&", -1)) {
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq));
      if (!PARAMETERS.contains(key)) {
        throw invalid(name, "unknown parameter '" + key + "' (expected one of " + PARAMETERS + ")");
      }
      if (eq < 0) {
        throw invalid(name, "parameter '" + key + "' has no value");
      }
      String value = decode(pair.substring(eq + 1));
      if (value.indexOf(' ') >= 0 && (key.equals(CONNECTION_STRING) || key.equals(KEY))) {
        // Base64 keys contain '+', which a query decodes as a space unless written as %2B.
        throw invalid(name, "parameter '" + key + "' contains a space: URL-encode it ('+' as %2B)");
      }
      if (parameters.put(key, value) != null) {
        throw invalid(name, "parameter '" + key + "' is given twice");
      }
    }
    return parameters;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8); // java.net.URI has checked the escapes
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  private static IllegalArgumentException invalid(String name, String why) {
    return new IllegalArgumentException("Invalid Azure Blob store URL '" + name + "': " + why);
  }
}
