package dev.tusk.chunkstore.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.chunkstore.ObjectStore;
import dev.tusk.chunkstore.ObjectStores;
import dev.tusk.chunkstore.RetryPolicy;
import dev.tusk.chunkstore.TransientStoreException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parsing of {@code azblob://} URLs, and failing fast when nothing answers; no server needed. */
class AzureBlobObjectStoreFactoryTest {
  private static final String CONNECTION_STRING =
      "DefaultEndpointsProtocol=http;AccountName="
          + AzuriteServer.ACCOUNT
          + ";AccountKey="
          + AzuriteServer.KEY
          + ";BlobEndpoint=http://127.0.0.1:1/"
          + AzuriteServer.ACCOUNT
          + ";";
  private static final String ENCODED =
      URLEncoder.encode(CONNECTION_STRING, StandardCharsets.UTF_8);

  private final AzureBlobObjectStoreFactory factory = new AzureBlobObjectStoreFactory(name -> null);

  private ObjectStore open(String url) {
    return factory.create(URI.create(url));
  }

  @Test
  void toStringIsContainerAndPrefixWithoutSecrets() throws Exception {
    try (ObjectStore store = open("azblob://tusk-data/repos/r1/?connection_string=" + ENCODED)) {
      assertThat(store).hasToString("azblob://tusk-data/repos/r1");
    }
    try (ObjectStore store = open("azblob://tusk-data?connection_string=" + ENCODED)) {
      assertThat(store).hasToString("azblob://tusk-data");
    }
  }

  @Test
  void theSchemeIsRegistered() throws Exception {
    try (ObjectStore store = ObjectStores.open("azblob://c01/p?connection_string=" + ENCODED)) {
      assertThat(store).hasToString("azblob://c01/p");
    }
  }

  @Test
  void withoutCredentialsTheEnvironmentIsRead() throws Exception {
    AzureBlobObjectStoreFactory withEnv =
        new AzureBlobObjectStoreFactory(
            Map.of(AzureBlobObjectStoreFactory.CONNECTION_STRING_ENV, CONNECTION_STRING)::get);
    try (ObjectStore store = withEnv.create(URI.create("azblob://abc/x"))) {
      assertThat(store).hasToString("azblob://abc/x");
    }
  }

  @Test
  void accountAndKeyAreAccepted() throws Exception {
    String url =
        "azblob://abc?account=acct&key="
            + URLEncoder.encode(AzuriteServer.KEY, StandardCharsets.UTF_8);
    try (ObjectStore store = open(url)) {
      assertThat(store).hasToString("azblob://abc");
    }
  }

  @Test
  void badUrlsAreRefusedNamingTheProblem() {
    Map<String, String> problems =
        Map.ofEntries(
            Map.entry("azblob:///p?connection_string=" + ENCODED, "expected azblob://container"),
            Map.entry("azblob://ab?connection_string=" + ENCODED, "container 'ab'"),
            Map.entry("azblob://Upper?connection_string=" + ENCODED, "container 'Upper'"),
            Map.entry("azblob://a--b?connection_string=" + ENCODED, "container 'a--b'"),
            Map.entry("azblob://abc/../x?connection_string=" + ENCODED, "bad prefix"),
            Map.entry("azblob://abc/a//b?connection_string=" + ENCODED, "bad prefix"),
            Map.entry("azblob://abc", "no credentials"),
            Map.entry("azblob://abc?bucket=x", "unknown parameter 'bucket'"),
            Map.entry("azblob://abc?account=a", "account and key must be given together"),
            Map.entry("azblob://abc?account=a&key=not*base64", "key is not Base64"),
            Map.entry("azblob://abc?account=a&key=ab+c", "URL-encode it"),
            Map.entry("azblob://abc?account=a&key=YWJj&endpoint=ftp://x", "http or https"),
            Map.entry("azblob://abc?connection_string=" + ENCODED + "&account=a", "not both"),
            Map.entry("azblob://abc?connection_string=x&connection_string=y", "given twice"),
            Map.entry("azblob://abc?connection_string=Foo%3Dbar", "bad connection string"),
            Map.entry("azblob://abc?connection_string=" + ENCODED + "#frag", "fragment"));
    problems.forEach(
        (url, problem) ->
            assertThatThrownBy(() -> open(url))
                .as(url)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Invalid Azure Blob store URL")
                .hasMessageContaining(problem)
                .hasMessageNotContaining(AzuriteServer.KEY.substring(0, 20)));
  }

  @Test
  void aDeadEndpointFailsQuicklyAfterRetries() throws Exception {
    String url =
        "azblob://dead/p?connection_string="
            + URLEncoder.encode(
                CONNECTION_STRING.replace("127.0.0.1:1/", "127.0.0.1:" + unusedPort() + "/"),
                StandardCharsets.UTF_8);
    long start = System.nanoTime();
    try (ObjectStore store =
        ObjectStores.open(url, new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(2)))) {
      assertThatThrownBy(() -> store.put("k", new byte[] {1}))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(TransientStoreException.class)
          .hasMessageContaining("after 2 attempts")
          .hasCauseInstanceOf(TransientStoreException.class);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  /** A loopback port with nothing listening: connections to it are refused at once. */
  private static int unusedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
