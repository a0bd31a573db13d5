package dev.tusk.fsd.pipeline;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fingerprint of what decides a datum's output. Every string is length-prefixed and every list
 * counted, so no two different specs share an encoding; the version tag lets the encoding change
 * later without old and new hashes colliding.
 */
final class ProcessingHash {
  private static final String VERSION = "tusk-processing-v1";

  private final MessageDigest digest = sha256();

  private ProcessingHash() {}

  static String of(PipelineSpec spec) {
    ProcessingHash h = new ProcessingHash();
    h.string(VERSION);
    PipelineSpec.Transform t = spec.transform();
    h.strings(t.cmd());
    h.strings(t.stdin());
    Map<String, String> env = new TreeMap<>(t.env());
    h.count(env.size());
    env.forEach(
        (k, v) -> {
          h.string(k);
          h.string(v);
        });
    h.string(t.image());
    h.input(spec.input());
    return HexFormat.of().formatHex(h.digest.digest());
  }

  private void input(Input input) {
    string(SpecWriter.kind(input));
    if (input instanceof Input.Pfs p) {
      string(p.name());
      string(p.repo());
      string(p.branch());
      string(p.glob());
      string(p.joinOn());
      string(p.groupBy());
      flag(p.outerJoin());
      flag(p.emptyFiles());
      return;
    }
    count(input.children().size());
    input.children().forEach(this::input);
  }

  private void strings(List<String> values) {
    count(values.size());
    values.forEach(this::string);
  }

  private void string(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    count(bytes.length);
    digest.update(bytes);
  }

  private void count(int n) {
    digest.update(ByteBuffer.allocate(4).putInt(n).array());
  }

  private void flag(boolean b) {
    digest.update((byte) (b ? 1 : 0));
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every JDK has SHA-256", e);
    }
  }
}
