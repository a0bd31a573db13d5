package dev.tusk.fsd.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Bucket names, keys, ranges, request paths and the XML the gateway reads and writes. */
class S3ParsingTest {
  @Test
  void branchBucketIsBranchDotRepo() {
    assertThat(Bucket.parse("master.images")).isEqualTo(new Bucket("images", "master", null));
    assertThat(Bucket.parse("release.v1.images")).isEqualTo(new Bucket("images", "release.v1", null));
  }

  @Test
  void commitBucketStartsWithACommitId() {
    String id = "0123456789abcdef0123456789abcdef";
    Bucket bucket = Bucket.parse(id + ".master.images");
    assertThat(bucket).isEqualTo(new Bucket("images", "master", id));
    assertThat(bucket.readOnly()).isTrue();
    assertThat(bucket.ref()).isEqualTo("images@" + id);
    assertThat(bucket.name()).isEqualTo(id + ".master.images");
  }

  @Test
  void badBucketNamesSayWhy() {
    for (String name : List.of("images", ".images", "master.", "ma ster.images", "master.im@ges")) {
      assertThatThrownBy(() -> Bucket.parse(name))
          .isInstanceOfSatisfying(S3Exception.class, e -> {
            assertThat(e.code()).isEqualTo("InvalidBucketName");
            assertThat(e.getMessage()).contains(name);
          });
    }
  }

  @Test
  void rangesFollowS3() {
    assertThat(ByteRange.parse("bytes=0-9", 100)).isEqualTo(new ByteRange(0, 9));
    assertThat(ByteRange.parse("bytes=90-", 100)).isEqualTo(new ByteRange(90, 99));
    assertThat(ByteRange.parse("bytes=-10", 100)).isEqualTo(new ByteRange(90, 99));
    assertThat(ByteRange.parse("bytes=-1000", 100)).isEqualTo(new ByteRange(0, 99));
    assertThat(ByteRange.parse("bytes=50-1000", 100)).isEqualTo(new ByteRange(50, 99));
    assertThat(ByteRange.parse("bytes=50-1000", 100).contentRange(100)).isEqualTo("bytes 50-99/100");
  }

  @Test
  void unparsableOrMultipleRangesMeanTheWholeObject() {
    assertThat(ByteRange.parse(null, 100)).isNull();
    assertThat(ByteRange.parse("bytes=0-1,5-6", 100)).isNull();
    assertThat(ByteRange.parse("items=0-1", 100)).isNull();
    assertThat(ByteRange.parse("bytes=9-3", 100)).isNull();
    assertThat(ByteRange.parse("bytes=x-3", 100)).isNull();
  }

  @Test
  void aRangePastTheEndIsInvalidRange() {
    assertThatThrownBy(() -> ByteRange.parse("bytes=100-", 100))
        .isInstanceOfSatisfying(S3Exception.class, e -> {
          assertThat(e.code()).isEqualTo("InvalidRange");
          assertThat(e.status()).isEqualTo(416);
        });
    assertThatThrownBy(() -> ByteRange.parse("bytes=-5", 0)).isInstanceOf(S3Exception.class);
  }

  @Test
  void keysMustBePathsInNormalForm() {
    assertThat(Buckets.path("a/b.txt")).isEqualTo("/a/b.txt");
    assertThat(Buckets.path("dir/")).isEqualTo("/dir");
    for (String key : List.of("../etc/passwd", "a/../b", "a//b", "/a", "./a", "a/./b", "")) {
      assertThatThrownBy(() -> Buckets.path(key))
          .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.code()).isEqualTo("InvalidArgument"));
    }
  }

  @Test
  void requestPathsSplitIntoBucketAndDecodedKey() {
    S3Request request = S3Request.parse(
        "GET", "/master.images/a%20b/c+d.txt?list-type=2&prefix=x%2By&delimiter=%2F",
        new DefaultHttpHeaders());
    assertThat(request.bucket()).isEqualTo("master.images");
    assertThat(request.key()).isEqualTo("a b/c+d.txt");
    assertThat(request.param("prefix")).isEqualTo("x+y");
    assertThat(request.param("delimiter")).isEqualTo("/");
    assertThat(S3Request.parse("GET", "/", new DefaultHttpHeaders()).bucket()).isNull();
    assertThat(S3Request.parse("GET", "/master.images/", new DefaultHttpHeaders()).key()).isNull();
    assertThat(S3Request.parse("GET", "/b.r?uploads", new DefaultHttpHeaders()).has("uploads")).isTrue();
  }

  @Test
  void keyOrderIsUtf8ByteOrder() {
    assertThat(KeyWalker.compareKeys("a-c", "a/b")).isNegative();
    assertThat(KeyWalker.compareKeys("a/b", "a0")).isNegative();
    assertThat(KeyWalker.compareKeys("\uFFFD", "\uD83D\uDE00")).isNegative();
    assertThat(KeyWalker.compareKeys("ab", "abc")).isNegative();
    assertThat(KeyWalker.compareKeys("abc", "abc")).isZero();
  }

  @Test
  void keyOrderAgreesWithUtf8BytesOnMixedText() {
    // Code points from every range whose UTF-16 order differs from UTF-8's: ASCII, below the
    // surrogates, U+E000..U+FFFF and supplementary ones.
    int[] pool = {'a', '/', '-', 0xE9, 0x4E2D, 0xD7FF, 0xE000, 0xFFFD, 0x1F600, 0x10000};
    Random random = new Random(6);
    for (int round = 0; round < 5_000; round++) {
      String a = randomKey(random, pool);
      String b = randomKey(random, pool);
      int bytes = Arrays.compareUnsigned(
          a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
      assertThat(Integer.signum(KeyWalker.compareKeys(a, b))).as("%s vs %s", a, b).isEqualTo(Integer.signum(bytes));
    }
  }

  private static String randomKey(Random random, int[] pool) {
    StringBuilder key = new StringBuilder();
    for (int i = random.nextInt(4); i >= 0; i--) {
      key.appendCodePoint(pool[random.nextInt(pool.length)]);
    }
    return key.toString();
  }

  @Test
  void responsesEscapeText() {
    String xml = S3Xml.document("ListBucketResult").element("Key", "a<b>&\"'").finish();
    assertThat(xml).contains("<Key>a&lt;b&gt;&amp;&quot;&apos;</Key>").endsWith("</ListBucketResult>");
    assertThat(S3Errors.xml("NoSuchKey", "gone", "/b/k", "1"))
        .contains("<Error><Code>NoSuchKey</Code><Message>gone</Message>");
  }

  @Test
  void completeMultipartUploadParses() {
    String body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        + "<Part><ETag>\"e1\"</ETag><PartNumber>1</PartNumber></Part>"
        + "<Part><PartNumber>2</PartNumber><ETag>e2</ETag></Part></CompleteMultipartUpload>";
    assertThat(S3Xml.parseCompleteMultipartUpload(body.getBytes(StandardCharsets.UTF_8)))
        .containsExactly(new S3Xml.Part(1, "\"e1\""), new S3Xml.Part(2, "e2"));
  }

  @Test
  void deleteParses() {
    String body = "<Delete><Quiet>true</Quiet><Object><Key>a</Key></Object><Object><Key>b/c</Key></Object></Delete>";
    assertThat(S3Xml.parseDelete(body.getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(new S3Xml.DeleteRequest(List.of("a", "b/c"), true));
  }

  @Test
  void badXmlIsMalformedXml() {
    for (String body : List.of(
        "<Delete><Object>", "<Other/>", "<Delete></Delete>",
        "<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><Delete><Object><Key>&x;</Key></Object></Delete>")) {
      assertThatThrownBy(() -> S3Xml.parseDelete(body.getBytes(StandardCharsets.UTF_8)))
          .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.code()).isEqualTo("MalformedXML"));
    }
    byte[] huge = new byte[S3Xml.MAX_REQUEST_BYTES + 1];
    assertThatThrownBy(() -> S3Xml.parseDelete(huge)).isInstanceOf(S3Exception.class);
  }
}
