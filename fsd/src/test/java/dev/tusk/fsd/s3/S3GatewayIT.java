package dev.tusk.fsd.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.fsd.Daemon;
import dev.tusk.fsd.DaemonConfig;
import dev.tusk.fsd.store.BranchKey;
import dev.tusk.fsd.store.CommitRecord;
import dev.tusk.fsd.tree.Entry;
import dev.tusk.fsd.version.Modification;
import dev.tusk.fsd.version.Pfs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The gateway of a real daemon (in this JVM, on loopback port 0) against the AWS SDK for Java v2
 * with its default settings (signed aws-chunked uploads with checksum trailers), checking what
 * Tusk itself then holds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3GatewayIT {
  private static final String KEY_ID = "tusk-test-key";
  private static final String SECRET = "tusk-test-secret";

  private Path temp;
  private Daemon daemon;
  private Pfs pfs;
  private URI endpoint;
  private S3Client s3;

  @BeforeAll
  void start(@TempDir Path dir) throws IOException {
    temp = dir;
    daemon = Daemon.start(new DaemonConfig(temp.resolve("data"), "127.0.0.1:0", null, null)
        .withS3(new S3GatewayConfig("127.0.0.1:0", new S3Credentials(KEY_ID, SECRET), false)));
    pfs = daemon.pfs();
    endpoint = URI.create("http://127.0.0.1:" + daemon.s3Port());
    s3 = client(KEY_ID, SECRET);
  }

  @AfterAll
  void stop() throws IOException {
    if (s3 != null) {
      s3.close();
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  private S3Client client(String id, String secret) {
    return S3Client.builder()
        .endpointOverride(endpoint)
        .forcePathStyle(true)
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret)))
        .httpClient(ApacheHttpClient.builder().build())
        .build();
  }

  /** A fresh repo with a master branch, made through CreateBucket. */
  private String newBucket(String repo) {
    s3.createBucket(b -> b.bucket("master." + repo));
    return "master." + repo;
  }

  private static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  /** The content hash of the same bytes put through Pfs directly (to a scratch branch). */
  private String plainPutHash(String repo, byte[] data) throws IOException {
    Modification m = pfs.modify(repo, "plain", "plain put");
    m.put("/x");
    m.write(data, 0, data.length);
    CommitRecord commit = m.commit();
    return pfs.lookup(commit, "/x").hash();
  }

  @Test
  void createBucketMakesTheRepoAndBranchAndListBucketsShowsIt() {
    String bucket = newBucket("made");
    assertThat(pfs.inspectBranch("made", "master").head()).isNull();
    assertThat(s3.listBuckets().buckets()).extracting(b -> b.name()).contains(bucket);
    assertThat(s3.listObjectsV2(b -> b.bucket(bucket)).contents()).isEmpty();
    s3.headBucket(b -> b.bucket(bucket));
  }

  @Test
  void putIsOneCommitAndGetReturnsTheBytesWithTheContentHashAsETag() throws IOException {
    String bucket = newBucket("puts");
    byte[] data = random(3 << 20, 1);
    String etag = s3.putObject(b -> b.bucket(bucket).key("dir/data.bin"), RequestBody.fromBytes(data)).eTag();

    List<CommitRecord> commits = pfs.listCommits("puts", "master", 0);
    assertThat(commits).hasSize(1);
    Entry entry = pfs.lookup(commits.get(0), "/dir/data.bin");
    assertThat(entry.size()).isEqualTo(data.length);
    assertThat(etag).isEqualTo("\"" + entry.hash() + "\"");
    assertThat(entry.hash()).isEqualTo(plainPutHash("puts", data));

    ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(b -> b.bucket(bucket).key("dir/data.bin"));
    assertThat(got.asByteArray()).isEqualTo(data);
    assertThat(got.response().eTag()).isEqualTo(etag);
    assertThat(s3.headObject(b -> b.bucket(bucket).key("dir/data.bin")).contentLength()).isEqualTo(data.length);
  }

  @Test
  void rangesAcrossChunksAndPackedFilesReturnTheirBytes() throws IOException {
    String bucket = newBucket("spans");
    byte[] big = random(3 << 20, 11); // several chunks
    s3.putObject(b -> b.bucket(bucket).key("big.bin"), RequestBody.fromBytes(big));
    Modification m = pfs.modify("spans", "master", "small files, packed into one chunk");
    byte[][] small = {random(1000, 12), random(3000, 13), random(2000, 14)};
    for (int i = 0; i < small.length; i++) {
      m.put("/p/" + i);
      m.write(small[i], 0, small[i].length);
    }
    CommitRecord commit = m.commit();
    assertThat(pfs.lookup(commit, "/p/1").content().refs().get(0).offset()).isPositive();

    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("big.bin")).asByteArray()).isEqualTo(big);
    Random random = new Random(15);
    for (int i = 0; i < 20; i++) {
      int first = random.nextInt(big.length);
      int last = first + random.nextInt(Math.min(big.length - first, 1 << 20));
      byte[] part = s3.getObjectAsBytes(b -> b.bucket(bucket).key("big.bin").range("bytes=" + first + "-" + last))
          .asByteArray();
      assertThat(part).isEqualTo(Arrays.copyOfRange(big, first, last + 1));
    }
    for (int i = 0; i < small.length; i++) {
      String key = "p/" + i;
      assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray()).isEqualTo(small[i]);
      assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key).range("bytes=10-19")).asByteArray())
          .isEqualTo(Arrays.copyOfRange(small[i], 10, 20));
    }
  }

  @Test
  void rangesAndConditionsFollowS3() {
    String bucket = newBucket("ranges");
    byte[] data = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    String etag = s3.putObject(b -> b.bucket(bucket).key("r.txt"), RequestBody.fromBytes(data)).eTag();
    ResponseBytes<GetObjectResponse> part = s3.getObjectAsBytes(b -> b.bucket(bucket).key("r.txt").range("bytes=2-5"));
    assertThat(part.asUtf8String()).isEqualTo("2345");
    assertThat(part.response().contentRange()).isEqualTo("bytes 2-5/16");
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("r.txt").range("bytes=-3")).asUtf8String()).isEqualTo("def");
    assertThatThrownBy(() -> s3.getObjectAsBytes(b -> b.bucket(bucket).key("r.txt").range("bytes=16-")))
        .isInstanceOfSatisfying(S3Exception.class, e -> {
          assertThat(e.statusCode()).isEqualTo(416);
          assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidRange");
        });
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("r.txt").ifMatch(etag)).asUtf8String())
        .isEqualTo("0123456789abcdef");
    assertThatThrownBy(() -> s3.getObjectAsBytes(b -> b.bucket(bucket).key("r.txt").ifMatch("\"other\"")))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));
    assertThatThrownBy(() -> s3.getObjectAsBytes(b -> b.bucket(bucket).key("r.txt").ifNoneMatch(etag)))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(304));
  }

  @Test
  void listingsAreInS3KeyOrderWithPrefixesDelimitersAndPages() {
    String bucket = newBucket("lists");
    List<String> keys = List.of("a/b", "a-c", "a/d/e", "a0", "b", "a/d!", "c/x/y");
    for (String key : keys) {
      s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(key));
    }
    List<String> sorted = keys.stream().sorted(KeyWalker::compareKeys).toList();
    assertThat(sorted).containsExactly("a-c", "a/b", "a/d!", "a/d/e", "a0", "b", "c/x/y");

    List<String> paged = s3.listObjectsV2Paginator(b -> b.bucket(bucket).maxKeys(2)).contents().stream()
        .map(S3Object::key).toList();
    assertThat(paged).isEqualTo(sorted);

    var top = s3.listObjectsV2(b -> b.bucket(bucket).delimiter("/"));
    assertThat(top.contents()).extracting(S3Object::key).containsExactly("a-c", "a0", "b");
    assertThat(top.commonPrefixes()).extracting(CommonPrefix::prefix).containsExactly("a/", "c/");

    var underA = s3.listObjectsV2(b -> b.bucket(bucket).prefix("a/d").delimiter("/"));
    assertThat(underA.contents()).extracting(S3Object::key).containsExactly("a/d!");
    assertThat(underA.commonPrefixes()).extracting(CommonPrefix::prefix).containsExactly("a/d/");

    assertThat(s3.listObjectsV2(b -> b.bucket(bucket).startAfter("a/d!")).contents())
        .extracting(S3Object::key).containsExactly("a/d/e", "a0", "b", "c/x/y");

    List<String> v1 = new ArrayList<>();
    String marker = null;
    do {
      String m = marker;
      var page = s3.listObjects(b -> b.bucket(bucket).maxKeys(3).marker(m));
      page.contents().forEach(o -> v1.add(o.key()));
      marker = page.isTruncated() ? page.nextMarker() : null;
    } while (marker != null);
    assertThat(v1).isEqualTo(sorted);
  }

  @Test
  void multipartUploadIsOneCommitHashedLikeAPlainPut() throws IOException {
    String bucket = newBucket("multi");
    byte[] first = random(5 << 20, 2);
    byte[] second = random(1 << 20, 3);
    String id = s3.createMultipartUpload(b -> b.bucket(bucket).key("big.bin")).uploadId();
    String e1 = s3.uploadPart(b -> b.bucket(bucket).key("big.bin").uploadId(id).partNumber(1), RequestBody.fromBytes(first)).eTag();
    String e2 = s3.uploadPart(b -> b.bucket(bucket).key("big.bin").uploadId(id).partNumber(2), RequestBody.fromBytes(second)).eTag();
    assertThat(s3.listParts(b -> b.bucket(bucket).key("big.bin").uploadId(id)).parts())
        .extracting(p -> p.partNumber()).containsExactly(1, 2);
    assertThat(s3.listObjectsV2(b -> b.bucket(bucket)).contents()).isEmpty();

    String etag = s3.completeMultipartUpload(b -> b.bucket(bucket).key("big.bin").uploadId(id)
        .multipartUpload(u -> u.parts(
            CompletedPart.builder().partNumber(1).eTag(e1).build(),
            CompletedPart.builder().partNumber(2).eTag(e2).build()))).eTag();

    byte[] whole = new byte[first.length + second.length];
    System.arraycopy(first, 0, whole, 0, first.length);
    System.arraycopy(second, 0, whole, first.length, second.length);
    List<CommitRecord> commits = pfs.listCommits("multi", "master", 0);
    assertThat(commits).hasSize(1);
    Entry entry = pfs.lookup(commits.get(0), "/big.bin");
    assertThat(etag).isEqualTo("\"" + entry.hash() + "\"");
    assertThat(entry.hash()).isEqualTo(plainPutHash("multi", whole));
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("big.bin")).asByteArray()).isEqualTo(whole);
    assertThatThrownBy(() -> s3.listParts(b -> b.bucket(bucket).key("big.bin").uploadId(id)))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("NoSuchUpload"));
  }

  @Test
  void multipartCompleteRefusesWrongPartsAndAbortLeavesNothing() {
    String bucket = newBucket("aborts");
    String id = s3.createMultipartUpload(b -> b.bucket(bucket).key("x.bin")).uploadId();
    s3.uploadPart(b -> b.bucket(bucket).key("x.bin").uploadId(id).partNumber(1), RequestBody.fromString("small"));
    assertThatThrownBy(() -> s3.completeMultipartUpload(b -> b.bucket(bucket).key("x.bin").uploadId(id)
        .multipartUpload(u -> u.parts(CompletedPart.builder().partNumber(1).eTag("\"0000\"").build()))))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidPart"));
    s3.abortMultipartUpload(b -> b.bucket(bucket).key("x.bin").uploadId(id));
    assertThatThrownBy(() -> s3.abortMultipartUpload(b -> b.bucket(bucket).key("x.bin").uploadId(id)))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("NoSuchUpload"));
    assertThat(pfs.inspectBranch("aborts", "master").head()).isNull();
  }

  @Test
  void deletesAndCopies() {
    String bucket = newBucket("edits");
    String etag = s3.putObject(b -> b.bucket(bucket).key("a.txt"), RequestBody.fromString("alpha")).eTag();
    s3.putObject(b -> b.bucket(bucket).key("b.txt"), RequestBody.fromString("beta"));
    s3.putObject(b -> b.bucket(bucket).key("c.txt"), RequestBody.fromString("gamma"));
    assertThat(s3.copyObject(b -> b.sourceBucket(bucket).sourceKey("a.txt").destinationBucket(bucket)
        .destinationKey("copies/a.txt")).copyObjectResult().eTag()).isEqualTo(etag);
    int before = pfs.listCommits("edits", "master", 0).size();
    s3.deleteObject(b -> b.bucket(bucket).key("a.txt"));
    s3.deleteObject(b -> b.bucket(bucket).key("never-there"));
    assertThat(pfs.listCommits("edits", "master", 0)).hasSize(before + 1);
    var result = s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(
        ObjectIdentifier.builder().key("b.txt").build(), ObjectIdentifier.builder().key("c.txt").build())));
    assertThat(result.deleted()).hasSize(2);
    assertThat(pfs.listCommits("edits", "master", 0)).hasSize(before + 2);
    assertThat(s3.listObjectsV2(b -> b.bucket(bucket)).contents()).extracting(S3Object::key)
        .containsExactly("copies/a.txt");
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("copies/a.txt")).asUtf8String()).isEqualTo("alpha");
  }

  @Test
  void commitBucketsReadOneCommitAndRefuseWrites() {
    String bucket = newBucket("history");
    s3.putObject(b -> b.bucket(bucket).key("v.txt"), RequestBody.fromString("one"));
    String first = pfs.inspectBranch("history", "master").head();
    s3.putObject(b -> b.bucket(bucket).key("v.txt"), RequestBody.fromString("two"));
    String old = first + ".master.history";
    assertThat(s3.getObjectAsBytes(b -> b.bucket(old).key("v.txt")).asUtf8String()).isEqualTo("one");
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("v.txt")).asUtf8String()).isEqualTo("two");
    assertThatThrownBy(() -> s3.putObject(b -> b.bucket(old).key("w.txt"), RequestBody.fromString("x")))
        .isInstanceOfSatisfying(S3Exception.class, e -> {
          assertThat(e.statusCode()).isEqualTo(403);
          assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
        });
  }

  @Test
  void pipelineOutputBranchesAreReadOnly() {
    newBucket("inputs");
    pfs.createBranch("inputs", "out", "", List.of(new BranchKey("inputs", "master")));
    assertThatThrownBy(() -> s3.putObject(b -> b.bucket("out.inputs").key("w.txt"), RequestBody.fromString("x")))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied"));
  }

  @Test
  void writesLandInTheOpenCommitOfTheBranch() {
    String bucket = newBucket("opened");
    CommitRecord open = pfs.startCommit("opened", "master", null, "batch");
    s3.putObject(b -> b.bucket(bucket).key("1.txt"), RequestBody.fromString("1"));
    s3.putObject(b -> b.bucket(bucket).key("2.txt"), RequestBody.fromString("2"));
    assertThat(pfs.listCommits("opened", "master", 0)).extracting(CommitRecord::id).containsExactly(open.id());
    CommitRecord done = pfs.finishCommit("opened@master", null);
    assertThat(pfs.listFile(done, "/").map(Entry::path)).containsExactly("/1.txt", "/2.txt");
  }

  @Test
  void errorsHaveS3Codes() {
    String bucket = newBucket("errors");
    assertThatThrownBy(() -> s3.getObjectAsBytes(b -> b.bucket(bucket).key("missing")))
        .isInstanceOfSatisfying(S3Exception.class, e -> {
          assertThat(e.statusCode()).isEqualTo(404);
          assertThat(e.awsErrorDetails().errorCode()).isEqualTo("NoSuchKey");
        });
    assertThatThrownBy(() -> s3.listObjectsV2(b -> b.bucket("nobranch.errors")))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("NoSuchBucket"));
    assertThatThrownBy(() -> s3.putObject(b -> b.bucket(bucket).key("a/../../etc/passwd"), RequestBody.fromString("x")))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(400));
    assertThat(pfs.inspectBranch("errors", "master").head()).isNull();
  }

  @Test
  void wrongCredentialsAreRefused() {
    newBucket("secrets");
    try (S3Client wrongSecret = client(KEY_ID, "not-the-secret"); S3Client wrongKey = client("someone", SECRET)) {
      assertThatThrownBy(() -> wrongSecret.putObject(b -> b.bucket("master.secrets").key("k"), RequestBody.fromString("x")))
          .isInstanceOfSatisfying(S3Exception.class, e -> {
            assertThat(e.statusCode()).isEqualTo(403);
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("SignatureDoesNotMatch");
          });
      assertThatThrownBy(() -> wrongKey.listObjectsV2(b -> b.bucket("master.secrets")))
          .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAccessKeyId"));
    }
    assertThat(pfs.inspectBranch("secrets", "master").head()).isNull();
  }

  @Test
  void presignedUrlsWork() throws Exception {
    String bucket = newBucket("presigned");
    s3.putObject(b -> b.bucket(bucket).key("p.txt"), RequestBody.fromString("shared"));
    try (S3Presigner presigner = S3Presigner.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
        .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY_ID, SECRET))).build()) {
      URI url = presigner.presignGetObject(p -> p.signatureDuration(Duration.ofMinutes(5))
          .getObjectRequest(g -> g.bucket(bucket).key("p.txt"))).url().toURI();
      HttpResponse<String> ok = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("shared");
      URI tampered = URI.create(url.toString().replace("p.txt", "q.txt"));
      HttpResponse<String> bad = HttpClient.newHttpClient().send(HttpRequest.newBuilder(tampered).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(bad.statusCode()).isEqualTo(403);
      assertThat(bad.body()).contains("<Code>SignatureDoesNotMatch</Code>");
    }
  }

  @Test
  void aClientThatDiesMidUploadLeavesNothing() throws Exception {
    newBucket("cutoff");
    String amzDate = S3Authenticator.AMZ_DATE.format(Instant.now());
    SigV4.Scope scope = new SigV4.Scope(amzDate.substring(0, 8), "us-east-1", "s3");
    String host = "127.0.0.1:" + daemon.s3Port();
    Map<String, String> signed = Map.of(
        "host", host, "x-amz-content-sha256", "UNSIGNED-PAYLOAD", "x-amz-date", amzDate,
        "content-length", "1048576");
    String canonical = SigV4.canonicalRequest("PUT", "/master.cutoff/half.bin", Map.of(), signed, "UNSIGNED-PAYLOAD");
    String signature = SigV4.sign(SigV4.signingKey(SECRET, scope), SigV4.stringToSign(amzDate, scope, canonical));
    String head = "PUT /master.cutoff/half.bin HTTP/1.1\r\n"
        + signed.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue() + "\r\n").collect(Collectors.joining())
        + "Authorization: AWS4-HMAC-SHA256 Credential=" + KEY_ID + "/" + scope + ",SignedHeaders="
        + String.join(";", new java.util.TreeSet<>(signed.keySet())) + ",Signature=" + signature + "\r\n\r\n";
    try (Socket socket = new Socket("127.0.0.1", daemon.s3Port())) {
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[512 * 1024]);
      out.flush();
    }
    // The gateway notices the close and drops the upload; a later request sees nothing of it.
    for (int i = 0; i < 50 && pfs.inspectBranch("cutoff", "master").head() == null; i++) {
      Thread.sleep(20);
    }
    assertThat(pfs.inspectBranch("cutoff", "master").head()).isNull();
    assertThat(s3.listObjectsV2(b -> b.bucket("master.cutoff")).contents()).isEmpty();
  }

  @Test
  void oversizedHeadersAreRefusedAndTheConnectionClosed() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", daemon.s3Port())) {
      OutputStream out = socket.getOutputStream();
      out.write(("GET /master.x/k HTTP/1.1\r\nHost: h\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 400").contains("too large");
    }
  }

  @Test
  void unfinishedUploadsSurviveInTheUploadsDirectory() throws IOException {
    String bucket = newBucket("kept");
    String id = s3.createMultipartUpload(b -> b.bucket(bucket).key("later.bin")).uploadId();
    s3.uploadPart(b -> b.bucket(bucket).key("later.bin").uploadId(id).partNumber(1), RequestBody.fromString("part"));
    Path dir = temp.resolve("data").resolve("s3-uploads").resolve(id);
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .contains("upload.properties").anyMatch(n -> n.startsWith("part-00001-"));
    }
    assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).extracting(u -> u.uploadId()).containsExactly(id);
  }
}
