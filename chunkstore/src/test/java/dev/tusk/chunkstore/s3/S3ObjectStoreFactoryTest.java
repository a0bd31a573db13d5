package dev.tusk.chunkstore.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.chunkstore.ObjectStore;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing of {@code s3://} store URLs; no server needed. */
class S3ObjectStoreFactoryTest {

  private static S3ObjectStore.Settings parse(String url) {
    return S3ObjectStoreFactory.parse(URI.create(url), null);
  }

  @Test
  void readsEverySetting() {
    S3ObjectStore.Settings settings =
        parse(
            "s3://my-bucket/repos/one?endpoint=http://127.0.0.1:9000&region=eu-west-1"
                + "&path_style=true&access_key=AK&secret_key=a%2Fb+c%26d");
    assertThat(settings.bucket()).isEqualTo("my-bucket");
    assertThat(settings.prefix()).isEqualTo("repos/one/");
    assertThat(settings.endpoint()).isEqualTo(URI.create("http://127.0.0.1:9000"));
    assertThat(settings.region()).isEqualTo("eu-west-1");
    assertThat(settings.pathStyle()).isTrue();
    assertThat(settings.accessKey()).isEqualTo("AK");
    assertThat(settings.secretKey()).isEqualTo("a/b+c&d");
  }

  @Test
  void defaultsToAwsWithTheDefaultCredentialsChain() {
    S3ObjectStore.Settings settings = parse("s3://bucket");
    assertThat(settings.prefix()).isEmpty();
    assertThat(settings.endpoint()).isNull();
    assertThat(settings.region()).isEqualTo("us-east-1");
    assertThat(settings.pathStyle()).isFalse();
    assertThat(settings.accessKey()).isNull();
    assertThat(settings.secretKey()).isNull();
  }

  @Test
  void theRegionDefaultsToTheEnvironments() {
    assertThat(S3ObjectStoreFactory.parse(URI.create("s3://bucket/"), "ap-south-1").region())
        .isEqualTo("ap-south-1");
  }

  @Test
  void aTrailingSlashOnThePrefixIsIgnored() {
    assertThat(parse("s3://bucket/a/b/").prefix()).isEqualTo("a/b/");
  }

  @Test
  void badUrlsAreRefusedWithTheReason() {
    List<List<String>> cases =
        List.of(
            List.of("s3://Bad_Bucket/p", "bucket"),
            List.of("s3:///no-bucket", "bucket"),
            List.of("s3://bucket/a//b", "bad prefix"),
            List.of("s3://bucket/../up", "bad prefix"),
            List.of("s3://bucket?endpoint=ftp://host", "endpoint"),
            List.of("s3://bucket?path_style=yes", "path_style"),
            List.of("s3://bucket?access_key=AK", "access_key and secret_key"),
            List.of("s3://bucket?regoin=us-east-1", "unknown parameter 'regoin'"),
            List.of("s3://bucket?region=a&region=b", "given twice"),
            List.of("s3://bucket?region=", "empty"),
            List.of("s3://bucket?region", "name=value"));
    for (List<String> c : cases) {
      assertThatThrownBy(() -> parse(c.get(0)))
          .as(c.get(0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Invalid S3 store URL")
          .hasMessageContaining(c.get(1));
    }
  }

  @Test
  void errorsDoNotShowTheSecretKey() {
    assertThatThrownBy(() -> parse("s3://bucket?secret_key=hunter2&bogus=1"))
        .hasMessageNotContaining("hunter2")
        .hasMessageContaining("secret_key=***");
  }

  @Test
  void theStoreNamesBucketAndPrefixButNoSecret() throws Exception {
    URI url =
        URI.create(
            "s3://bucket/some/prefix?endpoint=http://127.0.0.1:1&path_style=true"
                + "&access_key=AK&secret_key=hunter2");
    try (ObjectStore store = new S3ObjectStoreFactory().create(url)) {
      assertThat(store).hasToString("s3://bucket/some/prefix");
    }
  }
}
