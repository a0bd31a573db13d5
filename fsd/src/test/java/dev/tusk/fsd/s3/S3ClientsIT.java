package dev.tusk.fsd.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tusk.fsd.Daemon;
import dev.tusk.fsd.DaemonConfig;
import dev.tusk.fsd.store.CommitRecord;
import dev.tusk.fsd.tree.Entry;
import dev.tusk.fsd.tree.EntryType;
import dev.tusk.fsd.version.Modification;
import dev.tusk.fsd.version.Pfs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway of a real daemon against real clients from Debian: the aws CLI v2 ({@code awscli}),
 * boto3 ({@code python3-boto3}) and rclone, installed by {@code bin/setup}. Under {@code CI=true} a
 * missing client fails the test; elsewhere it is skipped. The clients run with a scratch HOME and
 * without {@code AWS_CA_BUNDLE}, so no user configuration leaks in.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3ClientsIT {
  private static final String AWS = "/usr/bin/aws";
  private static final String PYTHON = "/usr/bin/python3";
  private static final String RCLONE = "/usr/bin/rclone";
  private static final String KEY_ID = "clients-key";
  private static final String SECRET = "clients-secret";

  private Path temp;
  private Daemon daemon;
  private Pfs pfs;
  private String endpoint;

  @BeforeAll
  void start(@TempDir Path dir) throws IOException {
    temp = dir;
    daemon = Daemon.start(new DaemonConfig(temp.resolve("data"), "127.0.0.1:0", null, null)
        .withS3(new S3GatewayConfig("127.0.0.1:0", new S3Credentials(KEY_ID, SECRET), false)));
    pfs = daemon.pfs();
    endpoint = "http://127.0.0.1:" + daemon.s3Port();
    Files.createDirectories(temp.resolve("home"));
  }

  @AfterAll
  void stop() throws IOException {
    if (daemon != null) {
      daemon.close();
    }
  }

  private record Result(int exit, String out, String err) {}

  private static void require(String tool) {
    if (!Files.isExecutable(Path.of(tool))) {
      String why = tool + " is missing: bin/setup installs awscli, python3-boto3 and rclone";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(why);
      }
      Assumptions.abort(why + " (set CI=true to fail instead)");
    }
  }

  private Result run(Map<String, String> extraEnv, String... command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(temp.toFile());
    Map<String, String> env = builder.environment();
    env.remove("AWS_CA_BUNDLE");
    env.remove("AWS_PROFILE");
    env.put("HOME", temp.resolve("home").toString());
    env.put("AWS_ACCESS_KEY_ID", KEY_ID);
    env.put("AWS_SECRET_ACCESS_KEY", SECRET);
    env.put("AWS_DEFAULT_REGION", "us-east-1");
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    env.put("AWS_PAGER", "");
    env.putAll(extraEnv);
    Path out = Files.createTempFile(temp, "out", ".txt");
    Path err = Files.createTempFile(temp, "err", ".txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    process.getOutputStream().close();
    if (!process.waitFor(180, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish in 180 s");
    }
    return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  private Result aws(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(AWS, "--endpoint-url", endpoint));
    command.addAll(List.of(args));
    return run(Map.of(), command.toArray(String[]::new));
  }

  private static Result ok(Result result) {
    assertThat(result.exit()).as("exit status; stderr: %s; stdout: %s", result.err(), result.out()).isZero();
    return result;
  }

  private void createRepo(String repo) {
    pfs.createRepo(repo, "", false);
    pfs.createBranch(repo, "master", "", List.of());
  }

  /** A plain put of the same bytes: the hash the gateway's objects must have. */
  private String plainHash(String repo, byte[] data) throws IOException {
    Modification m = pfs.modify(repo, "plain", "plain put");
    m.put("/x");
    m.write(data, 0, data.length);
    return pfs.lookup(m.commit(), "/x").hash();
  }

  private static Map<String, byte[]> files(Path root) throws IOException {
    Map<String, byte[]> found = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
        found.put(root.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    return found;
  }

  private static void write(Path file, byte[] data) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, data);
  }

  @Test
  void awsCliSyncsBothWaysWithAMultipartUploadHashedLikeAPlainPut() throws Exception {
    require(AWS);
    createRepo("awsrepo");
    Path src = temp.resolve("aws-src");
    Random random = new Random(7);
    byte[] big = new byte[70 << 20]; // over 64 MiB: the CLI sends 9 parts of 8 MiB
    random.nextBytes(big);
    write(src.resolve("big.bin"), big);
    for (int i = 0; i < 5; i++) {
      write(src.resolve("dir/sub/f" + i + ".txt"), ("file " + i).getBytes(StandardCharsets.UTF_8));
    }
    write(src.resolve("a-b.txt"), "dash".getBytes(StandardCharsets.UTF_8));

    ok(aws("s3", "sync", "--no-progress", src.toString(), "s3://master.awsrepo/data/"));

    CommitRecord head = pfs.inspectCommit("awsrepo@master");
    Entry bigEntry = pfs.lookup(head, "/data/big.bin");
    assertThat(bigEntry.size()).isEqualTo(big.length);
    assertThat(bigEntry.hash()).isEqualTo(plainHash("awsrepo", big));
    assertThat(pfs.listFile(head, "/data/dir/sub").map(Entry::path))
        .containsExactly("/data/dir/sub/f0.txt", "/data/dir/sub/f1.txt", "/data/dir/sub/f2.txt",
            "/data/dir/sub/f3.txt", "/data/dir/sub/f4.txt");
    // Every completed upload is a commit of its own: 7 files, 7 commits.
    assertThat(pfs.listCommits("awsrepo", "master", 0)).hasSize(7);

    Path back = temp.resolve("aws-back");
    ok(aws("s3", "sync", "--no-progress", "s3://master.awsrepo/data/", back.toString()));
    Map<String, byte[]> sent = files(src);
    Map<String, byte[]> received = files(back);
    assertThat(received).containsOnlyKeys(sent.keySet());
    sent.forEach((name, data) -> assertThat(received.get(name)).as(name).isEqualTo(data));

    // A second sync finds nothing to do.
    assertThat(ok(aws("s3", "sync", "--no-progress", src.toString(), "s3://master.awsrepo/data/")).out()).isBlank();

    Result listing = ok(aws("s3", "ls", "--recursive", "s3://master.awsrepo/data/"));
    assertThat(listing.out()).contains("data/a-b.txt", "data/big.bin", "data/dir/sub/f4.txt");

    Result range = ok(aws("s3api", "get-object", "--bucket", "master.awsrepo", "--key", "data/a-b.txt",
        "--range", "bytes=1-2", temp.resolve("range.out").toString()));
    assertThat(range.out()).contains("bytes 1-2/4");
    assertThat(Files.readString(temp.resolve("range.out"))).isEqualTo("as");
  }

  @Test
  void awsCliWithWrongCredentialsIsRefusedAndChangesNothing() throws Exception {
    require(AWS);
    createRepo("awsdenied");
    write(temp.resolve("denied.txt"), "no".getBytes(StandardCharsets.UTF_8));
    Result wrongSecret = run(Map.of("AWS_SECRET_ACCESS_KEY", "wrong"),
        AWS, "--endpoint-url", endpoint, "s3", "cp", temp.resolve("denied.txt").toString(), "s3://master.awsdenied/d.txt");
    assertThat(wrongSecret.exit()).isNotZero();
    assertThat(wrongSecret.err()).contains("SignatureDoesNotMatch");
    Result wrongKey = run(Map.of("AWS_ACCESS_KEY_ID", "intruder"),
        AWS, "--endpoint-url", endpoint, "s3", "ls", "s3://master.awsdenied/");
    assertThat(wrongKey.exit()).isNotZero();
    assertThat(wrongKey.err()).contains("InvalidAccessKeyId");
    assertThat(pfs.inspectBranch("awsdenied", "master").head()).isNull();
  }

  @Test
  void boto3PutsGetsListsAndDeletes() throws Exception {
    require(PYTHON);
    Result probe = run(Map.of(), PYTHON, "-c", "import boto3");
    if (probe.exit() != 0) {
      require("/nonexistent/python3-boto3");
    }
    createRepo("botorepo");
    String script = String.join("\n",
        "import boto3, json, sys",
        "from botocore.config import Config",
        "s3 = boto3.client('s3', endpoint_url=sys.argv[1], config=Config(s3={'addressing_style': 'path'}))",
        "b = 'master.botorepo'",
        "etag = s3.put_object(Bucket=b, Key='k/one.txt', Body=b'hello boto')['ETag']",
        "s3.put_object(Bucket=b, Key='k/two.txt', Body=b'second')",
        "s3.put_object(Bucket=b, Key='k/gone.txt', Body=b'bye')",
        "got = s3.get_object(Bucket=b, Key='k/one.txt')",
        "rng = s3.get_object(Bucket=b, Key='k/one.txt', Range='bytes=6-9')['Body'].read().decode()",
        "s3.delete_object(Bucket=b, Key='k/gone.txt')",
        "keys = [o['Key'] for o in s3.list_objects_v2(Bucket=b, Prefix='k/')['Contents']]",
        "try:",
        "    s3.get_object(Bucket=b, Key='k/gone.txt'); missing = 'found'",
        "except s3.exceptions.NoSuchKey:",
        "    missing = 'NoSuchKey'",
        "print(json.dumps({'etag': etag, 'body': got['Body'].read().decode(), 'getEtag': got['ETag'],",
        "    'range': rng, 'keys': keys, 'missing': missing}))");
    Path file = temp.resolve("boto.py");
    Files.writeString(file, script);
    Result result = ok(run(Map.of(), PYTHON, file.toString(), endpoint));
    String json = result.out().strip();
    CommitRecord head = pfs.inspectCommit("botorepo@master");
    String hash = pfs.lookup(head, "/k/one.txt").hash();
    assertThat(hash).isEqualTo(plainHash("botorepo", "hello boto".getBytes(StandardCharsets.UTF_8)));
    assertThat(json)
        .contains("\"etag\": \"\\\"" + hash + "\\\"\"")
        .contains("\"body\": \"hello boto\"")
        .contains("\"range\": \"boto\"")
        .contains("\"keys\": [\"k/one.txt\", \"k/two.txt\"]")
        .contains("\"missing\": \"NoSuchKey\"");
    assertThat(pfs.listFile(head, "/k").map(Entry::path)).containsExactly("/k/one.txt", "/k/two.txt");
  }

  @Test
  void rcloneCopiesListsAndSyncs() throws Exception {
    require(RCLONE);
    createRepo("clonerepo");
    Path src = temp.resolve("rclone-src");
    write(src.resolve("x.txt"), "x".getBytes(StandardCharsets.UTF_8));
    write(src.resolve("d/y.txt"), "yy".getBytes(StandardCharsets.UTF_8));
    byte[] medium = new byte[3 << 20];
    new Random(9).nextBytes(medium);
    write(src.resolve("d/m.bin"), medium);
    Map<String, String> env = Map.of(
        "RCLONE_CONFIG_TUSK_TYPE", "s3",
        "RCLONE_CONFIG_TUSK_PROVIDER", "Other",
        "RCLONE_CONFIG_TUSK_ENDPOINT", endpoint,
        "RCLONE_CONFIG_TUSK_ACCESS_KEY_ID", KEY_ID,
        "RCLONE_CONFIG_TUSK_SECRET_ACCESS_KEY", SECRET,
        "RCLONE_CONFIG_TUSK_REGION", "us-east-1",
        "RCLONE_CONFIG_TUSK_FORCE_PATH_STYLE", "true",
        "RCLONE_CONFIG", temp.resolve("home/rclone.conf").toString());
    ok(run(env, RCLONE, "copy", src.toString(), "tusk:master.clonerepo/r"));
    CommitRecord head = pfs.inspectCommit("clonerepo@master");
    assertThat(pfs.lookup(head, "/r/d/m.bin").hash()).isEqualTo(plainHash("clonerepo", medium));

    Result ls = ok(run(env, RCLONE, "ls", "tusk:master.clonerepo/r"));
    assertThat(ls.out()).contains("1 x.txt", "2 d/y.txt", medium.length + " d/m.bin");

    Files.delete(src.resolve("x.txt"));
    write(src.resolve("z.txt"), "zzz".getBytes(StandardCharsets.UTF_8));
    ok(run(env, RCLONE, "sync", src.toString(), "tusk:master.clonerepo/r"));
    CommitRecord synced = pfs.inspectCommit("clonerepo@master");
    assertThat(pfs.listFile(synced, "/r").filter(e -> e.type() == EntryType.FILE).map(Entry::path))
        .containsExactly("/r/z.txt");

    Path back = temp.resolve("rclone-back");
    ok(run(env, RCLONE, "sync", "tusk:master.clonerepo/r", back.toString()));
    assertThat(files(back).keySet()).containsExactlyInAnyOrder("z.txt", "d/y.txt", "d/m.bin");
    assertThat(files(back).get("d/m.bin")).isEqualTo(medium);
  }
}
