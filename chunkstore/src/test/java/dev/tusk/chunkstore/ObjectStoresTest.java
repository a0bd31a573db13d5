package dev.tusk.chunkstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ObjectStoresTest {
  @Test
  void opensTheInMemoryStoreByScheme() throws Exception {
    try (ObjectStore store = ObjectStores.open("mem://")) {
      store.put("k", new byte[] {1});
      assertThat(store.get("k")).containsExactly(1);
    }
  }

  @Test
  void anUnknownSchemeNamesTheKnownOnes() {
    assertThatThrownBy(() -> ObjectStores.open("ftp://host/dir"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Unknown store URL scheme 'ftp'")
        .hasMessageContaining("file")
        .hasMessageContaining("s3")
        .hasMessageContaining("azblob");
  }

  @Test
  void errorsNeverRepeatSecretsFromTheQuery() {
    assertThatThrownBy(() -> ObjectStores.open("nope://bucket?secret_key=hunter2"))
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> ObjectStores.open("no scheme?key=hunter2"))
        .hasMessageNotContaining("hunter2");
  }
}
