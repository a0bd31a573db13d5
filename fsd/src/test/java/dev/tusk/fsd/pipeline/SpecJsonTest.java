package dev.tusk.fsd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tusk.fsd.pipeline.PipelineSpec.Resources;
import dev.tusk.fsd.pipeline.PipelineSpec.Transform;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpecJsonTest {
  @ParameterizedTest
  @ValueSource(strings = {"EDGES", "MONTAGE", "INNER_JOIN", "GROUP"})
  void toJsonParsesBackToAnEqualSpec(String example) throws Exception {
    String json = (String) SpecParserTest.class.getDeclaredField(example).get(null);
    PipelineSpec spec = SpecParser.parse(json);

    String canonical = SpecParser.toJson(spec);

    assertThat(SpecParser.parse(canonical)).isEqualTo(spec);
    assertThat(SpecParser.toJson(SpecParser.parse(canonical))).isEqualTo(canonical);
  }

  @Test
  void theCanonicalFormWritesDefaultsAndSortsEnv() {
    PipelineSpec spec =
        SpecParser.parse(
            """
            {"input": {"pfs": {"glob": "/*", "repo": "images"}}, "datum_tries": 3,
             "transform": {"env": {"Z": "1", "A": "2"}, "cmd": ["a"]},
             "pipeline": {"name": "edges"}, "description": "Edge detection"}
            """);

    assertThat(SpecParser.toJson(spec))
        .isEqualTo(
            "{\"pipeline\":{\"name\":\"edges\"},\"description\":\"Edge detection\","
                + "\"transform\":{\"cmd\":[\"a\"],\"env\":{\"A\":\"2\",\"Z\":\"1\"}},"
                + "\"input\":{\"pfs\":{\"name\":\"images\",\"repo\":\"images\",\"branch\":\"master\","
                + "\"glob\":\"/*\"}},\"parallelism_spec\":{\"constant\":1},\"datum_tries\":3,"
                + "\"output_branch\":\"master\"}");
  }

  @Test
  void memoryIsWrittenInItsShortestExactForm() {
    assertThat(Quantity.format(1L << 30)).isEqualTo("1Gi");
    assertThat(Quantity.format(64_000_000L)).isEqualTo("64M");
    assertThat(Quantity.format(1_000_000_000L)).isEqualTo("1G");
    assertThat(Quantity.format(1001)).isEqualTo("1001");
    assertThat(Quantity.bytes(Quantity.format(3L << 29))).isEqualTo(3L << 29);
  }

  @Test
  void processingHashChangesWithTheTransform() {
    PipelineSpec spec = spec(List.of("python3", "/edges.py"), 1);

    String hash = SpecParser.processingHash(spec);

    assertThat(hash).matches("[0-9a-f]{64}");
    assertThat(SpecParser.processingHash(spec(List.of("python3", "/edges2.py"), 1)))
        .isNotEqualTo(hash);
    // Same words, split differently: the length prefixes keep them apart.
    assertThat(SpecParser.processingHash(spec(List.of("python3/", "edges.py"), 1)))
        .isNotEqualTo(hash);
  }

  @Test
  void processingHashChangesWithTheInputs() {
    PipelineSpec spec = spec(List.of("x"), 1);
    Input.Pfs other = new Input.Pfs("images", "images", "master", "/*/*", "", "", false, false);
    PipelineSpec changed =
        new PipelineSpec(spec.name(), "", spec.transform(), other, 1, 3, Resources.NONE, "master");

    assertThat(SpecParser.processingHash(changed)).isNotEqualTo(SpecParser.processingHash(spec));
  }

  @Test
  void processingHashIgnoresWhatDoesNotChangeOutput() {
    PipelineSpec spec = spec(List.of("x"), 1);
    PipelineSpec tuned =
        new PipelineSpec(
            spec.name(),
            "new description",
            spec.transform(),
            spec.input(),
            8,
            5,
            new Resources(2, 1L << 30, 1),
            "staging");

    assertThat(SpecParser.processingHash(tuned)).isEqualTo(SpecParser.processingHash(spec));
  }

  @Test
  void processingHashDoesNotDependOnEnvOrder() {
    Transform a = new Transform(List.of("x"), List.of(), Map.of("A", "1", "B", "2"), "");
    Transform b = new Transform(List.of("x"), List.of(), Map.of("B", "2", "A", "1"), "");
    PipelineSpec spec = spec(List.of("x"), 1);

    assertThat(SpecParser.processingHash(withTransform(spec, a)))
        .isEqualTo(SpecParser.processingHash(withTransform(spec, b)));
  }

  static PipelineSpec spec(List<String> cmd, int parallelism) {
    return new PipelineSpec(
        "edges",
        "",
        new Transform(cmd, List.of(), Map.of(), "pachyderm/opencv"),
        new Input.Pfs("images", "images", "master", "/*", "", "", false, false),
        parallelism,
        3,
        Resources.NONE,
        "master");
  }

  private static PipelineSpec withTransform(PipelineSpec s, Transform t) {
    return new PipelineSpec(
        s.name(),
        s.description(),
        t,
        s.input(),
        s.parallelism(),
        s.datumTries(),
        s.resources(),
        s.outputBranch());
  }
}
