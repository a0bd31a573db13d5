package dev.tusk.chunkstore.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.chunkstore.AbstractObjectStoreTest;
import dev.tusk.chunkstore.ObjectStore;
import dev.tusk.chunkstore.ObjectStores;
import dev.tusk.chunkstore.TransientStoreException;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The object-store suite against a real Azurite, each test in a new container and under a prefix,
 * plus what is particular to Azure: prefixes, lazy container creation, credentials in the URL.
 */
@ExtendWith(AzuriteServer.Extension.class)
class AzureBlobObjectStoreIT extends AbstractObjectStoreTest {
  private static final String PREFIX = "repos/r1";

  private final AzuriteServer azurite;
  private String container;

  AzureBlobObjectStoreIT(AzuriteServer azurite) {
    this.azurite = azurite;
  }

  @Override
  protected ObjectStore newStore() throws IOException {
    container = azurite.newContainerName();
    return ObjectStores.open(azurite.url(container, PREFIX));
  }

  @Test
  void keysAreStoredUnderThePrefix() throws Exception {
    store.put("chunks/a", new byte[] {1});
    try (ObjectStore root = ObjectStores.open(azurite.url(container, ""));
        Stream<String> keys = root.list("")) {
      assertThat(keys).containsExactly(PREFIX + "/chunks/a");
    }
  }

  @Test
  void storesUnderOtherPrefixesDoNotSeeTheKeys() throws Exception {
    store.put("k", new byte[] {1});
    try (ObjectStore other = ObjectStores.open(azurite.url(container, "repos/r2"));
        Stream<String> keys = other.list("")) {
      assertThat(keys).isEmpty();
      assertThat(other.exists("k")).isFalse();
    }
  }

  @Test
  void getOfAMissingKeyInAnExistingContainerIsNoSuchFile() throws Exception {
    store.put("present", new byte[] {1});
    assertThatThrownBy(() -> store.get("absent"))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("absent");
  }

  @Test
  void largePutIfAbsentCommitsOnlyTheFirstTime() throws Exception {
    byte[] first = new byte[9 << 20];
    new Random(3).nextBytes(first);
    byte[] second = Arrays.copyOf(first, first.length);
    second[0] ^= 1;
    assertThat(store.putIfAbsent("big", first)).isTrue();
    assertThat(store.putIfAbsent("big", second)).isFalse();
    assertThat(store.get("big")).isEqualTo(first);
  }

  @Test
  void accountAndKeyParametersWork() throws Exception {
    String url =
        "azblob://"
            + container
            + "/"
            + PREFIX
            + "?account="
            + AzuriteServer.ACCOUNT
            + "&key="
            + URLEncoder.encode(AzuriteServer.KEY, StandardCharsets.UTF_8)
            + "&endpoint="
            + URLEncoder.encode(azurite.endpoint(), StandardCharsets.UTF_8);
    store.put("k", new byte[] {7});
    try (ObjectStore viaKey = ObjectStores.open(url)) {
      assertThat(viaKey.get("k")).containsExactly(7);
    }
  }

  @Test
  void aWrongKeyIsAPermanentFailureNamingTheServiceError() throws Exception {
    String wrongKey = AzuriteServer.KEY.replace('E', 'F');
    String url =
        "azblob://"
            + container
            + "?account="
            + AzuriteServer.ACCOUNT
            + "&key="
            + URLEncoder.encode(wrongKey, StandardCharsets.UTF_8)
            + "&endpoint="
            + URLEncoder.encode(azurite.endpoint(), StandardCharsets.UTF_8);
    try (ObjectStore wrong = ObjectStores.open(url)) {
      assertThatThrownBy(() -> wrong.put("secret/k", new byte[] {1}))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(TransientStoreException.class)
          .hasMessageContaining("403")
          .hasMessageContaining("AuthorizationFailure")
          .hasMessageContaining("secret/k");
    }
  }

  @Test
  void toStringNamesContainerAndPrefixButNoSecret() {
    assertThat(store).hasToString("azblob://" + container + "/" + PREFIX);
  }

  @Test
  void closeIsIdempotentAndLaterCallsFail() throws Exception {
    ObjectStore extra = ObjectStores.open(azurite.url(container, PREFIX));
    extra.close();
    extra.close();
    assertThatThrownBy(() -> extra.exists("k")).isInstanceOf(IOException.class);
    assertThat(extra).hasToString(store.toString());
  }
}
