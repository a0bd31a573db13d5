package dev.tusk.chunkstore.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.chunkstore.AbstractObjectStoreTest;
import dev.tusk.chunkstore.ObjectStore;
import dev.tusk.chunkstore.ObjectStores;
import dev.tusk.chunkstore.RetryPolicy;
import dev.tusk.chunkstore.TransientStoreException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The object-store conformance suite against a real s3proxy server, plus S3's failure modes. */
@ExtendWith(S3ProxyServer.Extension.class)
class S3ObjectStoreIT extends AbstractObjectStoreTest {
  private static final RetryPolicy QUICK_RETRIES =
      new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(2));

  private final S3ProxyServer server;

  S3ObjectStoreIT(S3ProxyServer server) {
    this.server = server;
  }

  /** A fresh bucket per test, with a prefix so that the prefix handling is always exercised. */
  @Override
  protected ObjectStore newStore() {
    return new S3ObjectStoreFactory()
        .create(URI.create(server.url(server.createBucket(), "tusk/it")));
  }

  @Test
  void keysLiveUnderThePrefix() throws Exception {
    String bucket = server.createBucket();
    try (ObjectStore outer = ObjectStores.open(server.url(bucket, ""));
        ObjectStore inner = ObjectStores.open(server.url(bucket, "repo/one"))) {
      inner.put("chunks/k", bytes("v"));
      assertThat(outer.get("repo/one/chunks/k")).isEqualTo(bytes("v"));
      try (Stream<String> keys = inner.list("")) {
        assertThat(keys).containsExactly("chunks/k");
      }
    }
  }

  @Test
  void listingsFollowContinuationTokensAcrossPages() throws Exception {
    URI url = URI.create(server.url(server.createBucket(), "paged"));
    try (ObjectStore paged = new S3ObjectStore(S3ObjectStoreFactory.parse(url, null), 2)) {
      for (int i = 0; i < 5; i++) {
        paged.put("k/" + i, bytes("v"));
      }
      paged.put("other", bytes("v"));
      try (Stream<String> keys = paged.list("k/")) {
        assertThat(keys).containsExactlyInAnyOrder("k/0", "k/1", "k/2", "k/3", "k/4");
      }
    }
  }

  @Test
  void storesAreFoundByScheme() throws Exception {
    String bucket = server.createBucket();
    try (ObjectStore opened = ObjectStores.open(server.url(bucket, "p"))) {
      assertThat(opened).hasToString("s3://" + bucket + "/p");
      opened.put("k", bytes("v"));
      assertThat(opened.exists("k")).isTrue();
    }
  }

  @Test
  void aWrongSecretKeyIsAPermanentFailure() throws Exception {
    String bucket = server.createBucket();
    try (ObjectStore wrong =
        ObjectStores.open(server.url(bucket, "", "not-the-secret"), QUICK_RETRIES)) {
      assertThatThrownBy(() -> wrong.put("k", bytes("v")))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(TransientStoreException.class)
          .hasMessageContaining("s3://" + bucket + "/k")
          .hasMessageContaining("SignatureDoesNotMatch")
          .hasMessageNotContaining("attempts") // not retried
          .hasMessageNotContaining("not-the-secret");
    }
  }

  @Test
  void aDeadEndpointIsTransientAndRetriedUntilTheAttemptsRunOut() throws Exception {
    int deadPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = socket.getLocalPort();
    }
    String url =
        "s3://bucket?endpoint=http://127.0.0.1:"
            + deadPort
            + "&path_style=true&access_key=a&secret_key=b";
    try (ObjectStore dead = ObjectStores.open(url, QUICK_RETRIES)) {
      assertThatThrownBy(() -> dead.get("k"))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(TransientStoreException.class)
          .hasMessageContaining("after 2 attempts")
          .cause()
          .isInstanceOf(TransientStoreException.class);
    }
  }

  @Test
  void closeIsIdempotent() throws Exception {
    store.close();
    store.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
