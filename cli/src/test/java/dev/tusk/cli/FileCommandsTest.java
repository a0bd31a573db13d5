package dev.tusk.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCommandsTest extends DaemonTestSupport {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path local;

  @Test
  void aPutFileComesBackByteForByte() throws Exception {
    tusk("create", "repo", "roundtrip");
    Path file = Files.writeString(local.resolve("hello.txt"), "hello, tusk\n");

    ok("put", "file", "roundtrip@master:/greetings/hello.txt", "-f", file.toString());

    Result get = tusk("get", "file", "roundtrip@master:/greetings/hello.txt");
    assertThat(get.code()).isZero();
    assertThat(get.out()).isEqualTo("hello, tusk\n");
  }

  @Test
  void aMultiMegabyteFileRoundTripsWithoutAProgressBarWhenNotATerminal() throws Exception {
    tusk("create", "repo", "big");
    byte[] data = new byte[20 * 1024 * 1024 + 12345];
    new Random(7).nextBytes(data);
    Path file = Files.write(local.resolve("big.bin"), data);

    Result put = ok("put", "file", "big@master:/big.bin", "-f", file.toString());
    assertThat(put.err()).isEmpty();

    Path copy = local.resolve("copy.bin");
    Result get = tusk("get", "file", "big@master:/big.bin", "-o", copy.toString());
    assertThat(get.code()).isZero();
    assertThat(get.err()).isEmpty();
    assertThat(Files.readAllBytes(copy)).isEqualTo(data);
    assertThat(tusk("get", "file", "big@master:/big.bin").stdout()).isEqualTo(data);
  }

  @Test
  void withoutAPathAFileKeepsItsNameAtTheRoot() throws Exception {
    tusk("create", "repo", "named");
    Path file = Files.writeString(local.resolve("report.csv"), "a,b\n");

    ok("put", "file", "named@master", "-f", file.toString());

    assertThat(tusk("get", "file", "named@master:/report.csv").out()).isEqualTo("a,b\n");
  }

  @Test
  void stdinIsPutWithDashF() {
    tusk("create", "repo", "piped");

    Result put = tuskWithInput(
        new ByteArrayInputStream("from stdin".getBytes(StandardCharsets.UTF_8)),
        "put", "file", "piped@master:/in.txt", "-f", "-");

    assertThat(put.code()).isZero();
    assertThat(tusk("get", "file", "piped@master:/in.txt").out()).isEqualTo("from stdin");
  }

  @Test
  void anHttpUrlIsFetchedAndKeepsItsName() throws Exception {
    tusk("create", "repo", "fetched");
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    byte[] body = "x,y\n1,2\n".getBytes(StandardCharsets.UTF_8);
    http.createContext("/data/table.csv", exchange -> {
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    http.start();
    try {
      String url = "http://127.0.0.1:" + http.getAddress().getPort() + "/data/table.csv";

      ok("put", "file", "fetched@master", "-f", url);

      assertThat(ok("get", "file", "fetched@master:/table.csv").out()).isEqualTo("x,y\n1,2\n");
      String gone = "http://127.0.0.1:" + http.getAddress().getPort() + "/gone.csv";
      Result missing = tusk("put", "file", "fetched@master:/x", "-f", gone);
      assertThat(missing.code()).isEqualTo(1);
      assertThat(missing.err()).isEqualTo("tusk: Cannot fetch " + gone + ": HTTP 404\n");
    } finally {
      http.stop(0);
    }
  }

  @Test
  void aRecursivePutIsOneCommitListedGlobbedAndDiffed() throws Exception {
    tusk("create", "repo", "tree");
    Path dir = Files.createDirectories(local.resolve("src"));
    Files.writeString(dir.resolve("b.txt"), "bb");
    Files.writeString(dir.resolve("a.txt"), "a");
    Files.createDirectories(dir.resolve("sub/deeper"));
    Files.writeString(dir.resolve("sub/c.csv"), "ccc");
    Files.writeString(dir.resolve("sub/deeper/d.csv"), "dddd");

    ok("put", "file", "-r", "tree@master:/data", "-f", dir.toString());

    assertThat(tusk("list", "commit", "tree@master", "-o", "json").lines()).hasSize(1);
    Result list = tusk("list", "file", "tree@master:/data");
    assertThat(list.lines()).containsExactly(
        "NAME          TYPE   SIZE",
        "/data/a.txt   file   1B",
        "/data/b.txt   file   2B",
        "/data/sub/    dir    7B");
    Result glob = tusk("glob", "file", "tree@master:/data/**/*.csv", "-o", "json");
    assertThat(glob.lines()).extracting(line -> parse(line).get("path").asText())
        .containsExactly("/data/sub/c.csv", "/data/sub/deeper/d.csv");

    Files.writeString(dir.resolve("a.txt"), "changed");
    Path extra = Files.writeString(local.resolve("e.txt"), "e");
    ok("put", "file", "tree@master:/data/a.txt", "-f", dir.resolve("a.txt").toString());
    ok("put", "file", "tree@master:/data/sub/e.txt", "-f", extra.toString());
    tusk("delete", "file", "tree@master:/data/b.txt");
    Result diff = tusk("diff", "file", "tree@master", "tree@master^3", "-o", "json");
    assertThat(diff.code()).isZero();
    assertThat(diff.lines()).extracting(line -> parse(line).get("change").asText() + " " + parse(line).get("path").asText())
        .contains("modified /data/a.txt", "deleted /data/b.txt", "added /data/sub/e.txt");
  }

  @Test
  void aDirectoryNeedsDashR() throws Exception {
    tusk("create", "repo", "norec");
    Path dir = Files.createDirectories(local.resolve("dir"));

    Result put = tusk("put", "file", "norec@master", "-f", dir.toString());

    assertThat(put.code()).isEqualTo(1);
    assertThat(put.err()).isEqualTo("tusk: '" + dir + "' is a directory: use -r to put it\n");
  }

  @Test
  void aMissingLocalFileIsRefusedBeforeAnythingIsSent() {
    tusk("create", "repo", "nofile");

    Result put = tusk("put", "file", "nofile@master:/x", "-f", local.resolve("absent").toString());

    assertThat(put.code()).isEqualTo(1);
    assertThat(put.err()).startsWith("tusk: no such file: ").contains("absent");
    assertThat(tusk("list", "commit", "nofile").lines()).hasSize(1); // the header only
  }

  @Test
  void copyIsByReferenceAndKeepsTheHash() throws Exception {
    tusk("create", "repo", "copies");
    Path file = Files.writeString(local.resolve("orig.txt"), "original");
    ok("put", "file", "copies@master:/orig.txt", "-f", file.toString());

    assertThat(tusk("copy", "file", "copies@master:/orig.txt", "copies@master:/dup/copy.txt").code()).isZero();

    JsonNode original = parse(tusk("inspect", "file", "copies@master:/orig.txt", "-o", "json").out());
    JsonNode copy = parse(tusk("inspect", "file", "copies@master:/dup/copy.txt", "-o", "json").out());
    assertThat(copy.get("hash")).isEqualTo(original.get("hash"));
    assertThat(tusk("get", "file", "copies@master:/dup/copy.txt").out()).isEqualTo("original");
  }

  @Test
  void fileJsonHasPathTypeSizeAndHash() throws Exception {
    tusk("create", "repo", "filejson");
    Path file = Files.writeString(local.resolve("f.txt"), "12345");
    ok("put", "file", "filejson@master:/d/f.txt", "-f", file.toString());

    List<String> lines = tusk("list", "file", "filejson@master", "-o", "json").lines();

    assertThat(lines).hasSize(1);
    JsonNode dir = parse(lines.get(0));
    assertThat(dir.get("path").asText()).isEqualTo("/d");
    assertThat(dir.get("type").asText()).isEqualTo("dir");
    assertThat(dir.get("size_bytes").asLong()).isEqualTo(5);
    JsonNode f = parse(tusk("inspect", "file", "filejson@master:/d/f.txt", "-o", "json").out());
    assertThat(f.get("type").asText()).isEqualTo("file");
    assertThat(f.get("hash").asText()).matches("[0-9a-f]{64}");
  }

  @Test
  void aMissingFileIsOneErrorLine() {
    tusk("create", "repo", "missing");
    tusk("create", "branch", "missing@master");

    Result get = tusk("get", "file", "missing@master:/nope.txt");

    assertThat(get.code()).isEqualTo(1);
    assertThat(get.err()).startsWith("tusk: ").doesNotContain("Exception");
    assertThat(get.err().lines()).hasSize(1);
  }

  @Test
  void aFailedGetLeavesNoOutputFileBehind() {
    tusk("create", "repo", "noout");
    Path output = local.resolve("out.bin");

    Result get = tusk("get", "file", "noout@master:/nope", "-o", output.toString());

    assertThat(get.code()).isEqualTo(1);
    assertThat(output).doesNotExist();
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (Exception e) {
      throw new AssertionError("Not JSON: " + line, e);
    }
  }
}
