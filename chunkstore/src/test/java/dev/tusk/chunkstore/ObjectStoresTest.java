package dev.tusk.chunkstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  @Test
  void aLocalStoreRefusesAnUnknownQuery(@TempDir Path dir) {
    assertThatThrownBy(() -> ObjectStores.open(dir.toUri() + "?direct_io=maybe"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown query 'direct_io=maybe'")
        .hasMessageContaining("direct_io=false");
  }

  @Test
  void aLocalStoreTakesDirectIoFromItsUrl(@TempDir Path dir) throws Exception {
    try (ObjectStore store = ObjectStores.open(dir.toUri() + "?direct_io=false")) {
      store.put("k", new byte[] {1});
    }
    assertThat(Files.readAllBytes(dir.resolve("k"))).containsExactly(1);
  }
}
