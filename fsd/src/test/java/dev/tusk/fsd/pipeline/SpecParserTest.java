package dev.tusk.fsd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.pipeline.PipelineSpec.Resources;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class SpecParserTest {
  // Pachyderm's OpenCV example, as published.
  static final String EDGES =
      """
{
  "pipeline": {
    "name": "edges"
  },
  "description": "A pipeline that performs image edge detection by using the OpenCV library.",
  "transform": {
    "cmd": [ "python3", "/edges.py" ],
    "image": "pachyderm/opencv"
  },
  "input": {
    "pfs": {
      "repo": "images",
      "glob": "/*"
    }
  }
}
""";

  static final String MONTAGE =
      """
{
  "pipeline": {
    "name": "montage"
  },
  "description": "A pipeline that combines images from the `images` and `edges` repositories into a montage.",
  "input": {
    "cross": [ {
      "pfs": {
        "glob": "/",
        "repo": "images"
      }
    },
    {
      "pfs": {
        "glob": "/",
        "repo": "edges"
      }
    } ]
  },
  "transform": {
    "cmd": [ "sh" ],
    "image": "v4tech/imagemagick",
    "stdin": [ "montage -shadow -background SkyBlue -geometry 300x300+2+2 $(find /pfs -type f | sort) /pfs/out/montage.png" ]
  }
}
""";

  static final String INNER_JOIN =
      """
      {
        "pipeline": {
          "name": "inner_join"
        },
        "description": "A pipeline that lists all purchases and returns by zipcode",
        "input": {
          "join": [
            {
              "pfs": {
                "repo": "stores",
                "branch": "master",
                "glob": "/STOREID(*).txt",
                "join_on": "$1"
              }
            },
            {
              "pfs": {
                "repo": "returns",
                "branch": "master",
                "glob": "/*_STOREID(*).txt",
                "join_on": "$1",
                "outer_join": true
              }
            }
          ]
        },
        "transform": {
          "cmd": [ "python", "inner/main.py" ],
          "image": "pachyderm/example-joins-inner-outer:2.1.0"
        }
      }
      """;

  static final String GROUP =
      """
{
  "pipeline": { "name": "reduce_group_by_store", "project": { "name": "default" } },
  "input": {
    "union": [
      { "group": [
          { "pfs": { "repo": "readings", "glob": "/*/STOREID(*)/*.txt", "group_by": "$1",
                     "project": "default" } },
          { "pfs": { "repo": "stores", "glob": "/STOREID(*).txt", "group_by": "$1",
                     "empty_files": true } }
      ] },
      { "pfs": { "repo": "extra", "name": "more", "branch": "dev", "glob": "/**" } }
    ]
  },
  "transform": {
    "cmd": [ "bash" ],
    "stdin": [ "python3 /reduce.py" ],
    "env": { "B": "2", "A": "1" }
  },
  "parallelism_spec": { "constant": 4 },
  "datum_tries": 1,
  "resource_requests": { "cpu": 0.5, "memory": "512Mi", "gpu": { "type": "nvidia.com/gpu", "number": 1 } },
  "output_branch": "results"
}
""";

  @Test
  void parsesTheOpenCvEdgesSpecWithDefaults() {
    PipelineSpec spec = SpecParser.parse(EDGES);

    assertThat(spec.name()).isEqualTo("edges");
    assertThat(spec.description()).startsWith("A pipeline that performs image edge detection");
    assertThat(spec.transform().cmd()).containsExactly("python3", "/edges.py");
    assertThat(spec.transform().image()).isEqualTo("pachyderm/opencv");
    assertThat(spec.transform().stdin()).isEmpty();
    assertThat(spec.transform().env()).isEmpty();
    assertThat(spec.input())
        .isEqualTo(new Input.Pfs("images", "images", "master", "/*", "", "", false, false));
    assertThat(spec.parallelism()).isEqualTo(1);
    assertThat(spec.datumTries()).isEqualTo(3);
    assertThat(spec.resources()).isEqualTo(Resources.NONE);
    assertThat(spec.outputBranch()).isEqualTo("master");
  }

  @Test
  void parsesACross() {
    PipelineSpec spec = SpecParser.parse(MONTAGE);

    assertThat(spec.input())
        .isEqualTo(
            new Input.Cross(
                List.of(
                    new Input.Pfs("images", "images", "master", "/", "", "", false, false),
                    new Input.Pfs("edges", "edges", "master", "/", "", "", false, false))));
    assertThat(spec.transform().stdin()).hasSize(1);
  }

  @Test
  void parsesAJoinWithCaptureGroups() {
    PipelineSpec spec = SpecParser.parse(INNER_JOIN);

    assertThat(spec.input())
        .isEqualTo(
            new Input.Join(
                List.of(
                    new Input.Pfs(
                        "stores", "stores", "master", "/STOREID(*).txt", "$1", "", false, false),
                    new Input.Pfs(
                        "returns",
                        "returns",
                        "master",
                        "/*_STOREID(*).txt",
                        "$1",
                        "",
                        true,
                        false))));
  }

  @Test
  void parsesAGroupInAUnionWithEveryOtherField() {
    PipelineSpec spec = SpecParser.parse(GROUP);

    assertThat(spec.input())
        .isEqualTo(
            new Input.Union(
                List.of(
                    new Input.Group(
                        List.of(
                            new Input.Pfs(
                                "readings",
                                "readings",
                                "master",
                                "/*/STOREID(*)/*.txt",
                                "",
                                "$1",
                                false,
                                false),
                            new Input.Pfs(
                                "stores",
                                "stores",
                                "master",
                                "/STOREID(*).txt",
                                "",
                                "$1",
                                false,
                                true))),
                    new Input.Pfs("more", "extra", "dev", "/**", "", "", false, false))));
    assertThat(spec.transform().env()).isEqualTo(Map.of("A", "1", "B", "2"));
    assertThat(spec.parallelism()).isEqualTo(4);
    assertThat(spec.datumTries()).isEqualTo(1);
    assertThat(spec.resources()).isEqualTo(new Resources(0.5, 512L << 20, 1));
    assertThat(spec.outputBranch()).isEqualTo("results");
  }

  @Test
  void memoryTakesKubernetesQuantities() {
    assertThat(memory("\"64M\"")).isEqualTo(64_000_000L);
    assertThat(memory("\"1Gi\"")).isEqualTo(1L << 30);
    assertThat(memory("\"512Mi\"")).isEqualTo(512L << 20);
    assertThat(memory("\"1G\"")).isEqualTo(1_000_000_000L);
    assertThat(memory("\"1.5Gi\"")).isEqualTo(3L << 29);
    assertThat(memory("\"100k\"")).isEqualTo(100_000L);
    assertThat(memory("\"1e6\"")).isEqualTo(1_000_000L);
    assertThat(memory("\"4096\"")).isEqualTo(4096L);
    assertThat(memory("4096")).isEqualTo(4096L);
  }

  @Test
  void parallelismZeroMeansOneAsInPachyderm() {
    assertThat(
            SpecParser.parse(with(EDGES, "\"parallelism_spec\": {\"constant\": 0}")).parallelism())
        .isEqualTo(1);
  }

  @Test
  void aJsonNullIsAMissingField() {
    PipelineSpec spec =
        SpecParser.parse(with(EDGES, "\"datum_tries\": null, \"output_branch\": null"));
    assertThat(spec.datumTries()).isEqualTo(3);
    assertThat(spec.outputBranch()).isEqualTo("master");
  }

  @Test
  void everyUnknownFieldIsNamedByItsFullPath() {
    String json =
        """
        {
          "pipeline": { "name": "p", "labels": {} },
          "transform": { "cmd": ["true"], "err_cmd": ["false"] },
          "input": { "cross": [
            { "pfs": { "repo": "a", "glob": "/", "lazy": true } },
            { "pfs": { "repo": "b", "glob": "/" } }
          ] },
          "resource_requests": { "disk": "1G" },
          "standby": true
        }
        """;
    refused(json)
        .hasMessageContaining("Unknown field 'pipeline.labels'")
        .hasMessageContaining("Unknown field 'transform.err_cmd'")
        .hasMessageContaining("Unknown field 'input.cross[0].pfs.lazy'")
        .hasMessageContaining("Unknown field 'resource_requests.disk'")
        .hasMessageContaining("Unknown field 'standby'");
  }

  @Test
  void wrongTypesNameTheField() {
    refused(with(EDGES, "\"datum_tries\": \"3\""))
        .hasMessageContaining("datum_tries: must be an integer");
    refused(with(EDGES, "\"datum_tries\": 2.5"))
        .hasMessageContaining("datum_tries: must be an integer");
    refused(with(withInput("{\"pfs\": {\"repo\": \"a\", \"glob\": \"/\"}}"), "\"description\": 7"))
        .hasMessageContaining("description: must be a string");
    refused(EDGES.replace("[ \"python3\", \"/edges.py\" ]", "\"python3 /edges.py\""))
        .hasMessageContaining("transform.cmd: must be an array of strings");
    refused(EDGES.replace("[ \"python3\", \"/edges.py\" ]", "[ \"python3\", 1 ]"))
        .hasMessageContaining("transform.cmd[1]: must be a string");
    refused(with(EDGES, "\"parallelism_spec\": 3"))
        .hasMessageContaining("parallelism_spec: must be an object");
    refused(with(EDGES, "\"resource_requests\": {\"cpu\": \"1\"}"))
        .hasMessageContaining("resource_requests.cpu: must be a number");
    refused(with(EDGES, "\"resource_requests\": {\"memory\": \"lots\"}"))
        .hasMessageContaining("resource_requests.memory: \"lots\" is not a quantity");
    refused(
            with(
                EDGES,
                "\"resource_requests\": {\"gpu\": {\"type\": \"amd.com/gpu\", \"number\": 1}}"))
        .hasMessageContaining("resource_requests.gpu.type: only \"nvidia.com/gpu\"");
    refused(
            with(
                EDGES,
                "\"resource_requests\": {\"gpu\": {\"type\": \"nvidia.com/gpu\", \"number\": -1}}"))
        .hasMessageContaining("resource_requests.gpu.number: must not be negative");
    refused(
            "{\"pipeline\": {\"name\": \"p\"}, \"transform\": {\"cmd\": [\"x\"], \"env\": {\"A\":"
                + " 1}}, \"input\": {\"pfs\": {\"repo\": \"a\", \"glob\": \"/\"}}}")
        .hasMessageContaining("transform.env.A: must be a string");
    refused(EDGES.replace("\"/*\"", "\"/*\", \"empty_files\": \"yes\""))
        .hasMessageContaining("input.pfs.empty_files: must be true or false");
  }

  @Test
  void outOfRangeNumbersAreRefused() {
    refused(with(EDGES, "\"parallelism_spec\": {\"constant\": -1}"))
        .hasMessageContaining("parallelism_spec.constant: must not be negative");
    refused(with(EDGES, "\"datum_tries\": 0"))
        .hasMessageContaining("datum_tries: must be at least 1");
    refused(with(EDGES, "\"resource_requests\": {\"cpu\": -0.5}"))
        .hasMessageContaining("resource_requests.cpu: must not be negative");
  }

  @Test
  void requiredFieldsAreNamed() {
    refused(
            "{\"transform\": {\"cmd\": [\"x\"]}, \"input\": {\"pfs\": {\"repo\": \"a\", \"glob\":"
                + " \"/\"}}}")
        .hasMessageContaining("pipeline.name: missing");
    refused(
            "{\"pipeline\": {\"name\": \"p\"}, \"transform\": {\"image\": \"x\"}, \"input\":"
                + " {\"pfs\": {\"repo\": \"a\", \"glob\": \"/\"}}}")
        .hasMessageContaining("transform.cmd: missing");
    refused(
            "{\"pipeline\": {\"name\": \"p\"}, \"input\": {\"pfs\": {\"repo\": \"a\", \"glob\":"
                + " \"/\"}}}")
        .hasMessageContaining("transform.cmd: missing");
    refused(
            "{\"pipeline\": {\"name\": \"p\"}, \"transform\": {\"cmd\": []}, \"input\": {\"pfs\":"
                + " {\"repo\": \"a\", \"glob\": \"/\"}}}")
        .hasMessageContaining("transform.cmd: must name a command");
    refused("{\"pipeline\": {\"name\": \"p\"}, \"transform\": {\"cmd\": [\"x\"]}}")
        .hasMessage("Invalid pipeline spec: input: missing");
    refused(EDGES.replace("\"glob\": \"/*\"", "\"branch\": \"master\""))
        .hasMessageContaining("input.pfs.glob: missing");
    refused(EDGES.replace("\"repo\": \"images\",", ""))
        .hasMessageContaining("input.pfs.repo: missing");
  }

  @Test
  void anInputNeedsExactlyOneKind() {
    refused(withInput("{\"pfs\": {\"repo\": \"a\", \"glob\": \"/\"}, \"cross\": []}"))
        .hasMessageContaining(
            "input: must have only one of pfs, cross, union, join or group, not pfs and cross");
    refused(withInput("{}"))
        .hasMessageContaining("input: must have one of pfs, cross, union, join or group");
    refused(withInput("{\"union\": \"x\"}"))
        .hasMessageContaining("input.union: must be an array of inputs");
    refused(withInput("{\"cross\": []}"))
        .hasMessageContaining("input.cross: must list at least one input");
    refused(withInput("{\"cross\": [{\"pfs\": {\"repo\": \"a\", \"glob\": \"/\"}}, {}]}"))
        .hasMessageContaining("input.cross[1]: must have one of pfs");
  }

  @Test
  void cronInputsAreNotSupported() {
    refused(withInput("{\"cron\": {\"name\": \"tick\", \"spec\": \"@every 10s\"}}"))
        .hasMessage("Invalid pipeline spec: input.cron: cron inputs are not supported");
  }

  @Test
  void namesFollowRepoAndBranchRules() {
    refused(EDGES.replace("\"name\": \"edges\"", "\"name\": \"my edges\""))
        .hasMessageContaining("pipeline.name: Invalid repo name 'my edges'");
    refused(EDGES.replace("\"repo\": \"images\"", "\"repo\": \"im/ages\""))
        .hasMessageContaining("input.pfs.repo: Invalid repo name 'im/ages'");
    refused(EDGES.replace("\"repo\": \"images\"", "\"repo\": \"images\", \"branch\": \"a b\""))
        .hasMessageContaining("input.pfs.branch: Invalid branch name 'a b'");
    refused(EDGES.replace("\"repo\": \"images\"", "\"repo\": \"images\", \"name\": \"x.y\""))
        .hasMessageContaining("input.pfs.name: Invalid repo name 'x.y'");
    refused(EDGES.replace("\"repo\": \"images\"", "\"repo\": \"images\", \"name\": \"out\""))
        .hasMessageContaining("input.pfs.name: an input cannot be named \"out\"");
    refused(with(EDGES, "\"output_branch\": \".hidden\""))
        .hasMessageContaining("output_branch: Invalid branch name '.hidden'");
  }

  @Test
  void projectsOtherThanDefaultAreRefused() {
    refused(
            EDGES.replace(
                "\"name\": \"edges\"", "\"name\": \"edges\", \"project\": {\"name\": \"ml\"}"))
        .hasMessageContaining("pipeline.project: projects are not supported");
    refused(EDGES.replace("\"repo\": \"images\"", "\"repo\": \"images\", \"project\": \"ml\""))
        .hasMessageContaining("input.pfs.project: projects are not supported");
    assertThat(
            SpecParser.parse(
                    EDGES.replace(
                        "\"name\": \"edges\"",
                        "\"name\": \"edges\", \"project\": {\"name\": \"default\"}"))
                .name())
        .isEqualTo("edges");
  }

  @Test
  void inputNamesAreUniqueInAPipeline() {
    refused(MONTAGE.replace("\"repo\": \"edges\"", "\"repo\": \"edges\", \"name\": \"images\""))
        .hasMessageContaining(
            "input.cross[1].pfs.name: input name \"images\" is already used at"
                + " input.cross[0].pfs.repo");
  }

  @Test
  void joinOnBelongsToPfsInputsDirectlyUnderAJoin() {
    refused(EDGES.replace("\"/*\"", "\"/(*)\", \"join_on\": \"$1\""))
        .hasMessageContaining(
            "input.pfs.join_on: only a pfs input directly under a join has a join_on");
    refused(
            withInput(
                "{\"cross\": [{\"join\": [{\"pfs\": {\"repo\": \"a\", \"glob\": \"/(*)\","
                    + " \"join_on\": \"$1\"}}, {\"pfs\": {\"repo\": \"b\", \"glob\":"
                    + " \"/(*)\"}}]}]}"))
        .hasMessageContaining("input.cross[0].join[1].pfs.join_on: missing");
    refused(INNER_JOIN.replace("\"repo\": \"stores\",", "\"repo\": \"stores\", \"outer_join\": 1,"))
        .hasMessageContaining("input.join[0].pfs.outer_join: must be true or false");
    refused(EDGES.replace("\"/*\"", "\"/*\", \"outer_join\": true"))
        .hasMessageContaining("input.pfs.outer_join: only a pfs input directly under a join");
  }

  @Test
  void aJoinWithoutJoinOnIsRefused() {
    refused(
            withInput(
                "{\"join\": [{\"pfs\": {\"repo\": \"a\", \"glob\": \"/(*)\"}},"
                    + " {\"pfs\": {\"repo\": \"b\", \"glob\": \"/(*)\", \"join_on\": \"$1\"}}]}"))
        .hasMessageContaining("input.join[0].pfs.join_on: missing");
  }

  @Test
  void groupByBelongsToPfsInputsDirectlyUnderAGroup() {
    refused(EDGES.replace("\"/*\"", "\"/(*)\", \"group_by\": \"$1\""))
        .hasMessageContaining("input.pfs.group_by: only a pfs input directly under a group");
    refused(
            withInput(
                "{\"group\": [{\"pfs\": {\"repo\": \"a\", \"glob\": \"/(*)\", \"group_by\":"
                    + " \"$1\"}}, {\"pfs\": {\"repo\": \"b\", \"glob\": \"/(*)\"}}]}"))
        .hasMessage(
            "Invalid pipeline spec: input.group[1].pfs.group_by: missing: a pfs input directly"
                + " under a group needs one, e.g. \"$1\"");
  }

  @Test
  void joinsAndGroupsCombinePfsInputsOnly() {
    refused(withInput("{\"join\": [{\"cross\": [{\"pfs\": {\"repo\": \"a\", \"glob\": \"/\"}}]}]}"))
        .hasMessageContaining("input.join[0].cross: a join combines pfs inputs only");
  }

  @Test
  void keysReferOnlyToCaptureGroupsTheGlobHas() {
    refused(
            withInput(
                "{\"join\": [{\"pfs\": {\"repo\": \"a\", \"glob\": \"/STOREID(*).txt\","
                    + " \"join_on\": \"$1-$2\"}}, {\"pfs\": {\"repo\": \"b\", \"glob\": \"/*\","
                    + " \"join_on\": \"$1\"}}]}"))
        .hasMessageContaining(
            "input.join[0].pfs.join_on: '$1-$2' refers to capture group 2 but glob"
                + " '/STOREID(*).txt' has 1")
        .hasMessageContaining(
            "input.join[1].pfs.join_on: '$1' refers to capture group 1 but glob '/*' has 0");
  }

  @Test
  void badGlobsAreNamed() {
    refused(EDGES.replace("\"/*\"", "\"/[abc\""))
        .hasMessageContaining("input.pfs.glob: Invalid glob '/[abc'");
    refused(EDGES.replace("\"/*\"", "\"/(*\""))
        .hasMessageContaining("input.pfs.glob: Invalid glob '/(*': unclosed '('");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    String json =
        """
        {"pipeline": {"name": "bad name"}, "transform": {"cmd": ["x"], "err_cmd": []},
         "input": {"pfs": {"repo": "a"}}, "datum_tries": 0}
        """;
    refused(json)
        .hasMessageStartingWith("Invalid pipeline spec: ")
        .hasMessageContaining("pipeline.name: Invalid repo name")
        .hasMessageContaining("Unknown field 'transform.err_cmd'")
        .hasMessageContaining("input.pfs.glob: missing")
        .hasMessageContaining("datum_tries: must be at least 1");
  }

  @Test
  void malformedJsonIsRefused() {
    refused("{\"pipeline\": ").hasMessageStartingWith("Invalid pipeline spec: not valid JSON");
    refused("[1]").hasMessage("Invalid pipeline spec: expected a JSON object");
    refused("").hasMessage("Invalid pipeline spec: expected a JSON object");
    refused("{\"pipeline\": {\"name\": \"a\", \"name\": \"b\"}}")
        .hasMessageContaining("Duplicate field 'name'");
    refused(EDGES + " {}").hasMessageStartingWith("Invalid pipeline spec: not valid JSON");
  }

  private static long memory(String quantity) {
    return SpecParser.parse(with(EDGES, "\"resource_requests\": {\"memory\": " + quantity + "}"))
        .resources()
        .memoryBytes();
  }

  /** A minimal spec around an input. */
  static String withInput(String input) {
    return "{\"pipeline\": {\"name\": \"p\"}, \"transform\": {\"cmd\": [\"x\"]}, \"input\": "
        + input
        + "}";
  }

  /** The spec with extra top-level fields. */
  static String with(String json, String fields) {
    int brace = json.lastIndexOf('}');
    return json.substring(0, brace) + ", " + fields + "}";
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> refused(String json) {
    return assertThatThrownBy(() -> SpecParser.parse(json))
        .isInstanceOf(PfsException.class)
        .satisfies(e -> assertThat(((PfsException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessageStartingWith("Invalid pipeline spec: ");
  }
}
