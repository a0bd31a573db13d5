package dev.tusk.fsd.pipeline;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.pipeline.PipelineSpec.Resources;
import dev.tusk.fsd.pipeline.PipelineSpec.Transform;
import dev.tusk.fsd.version.Glob;
import dev.tusk.fsd.version.Names;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads, writes and fingerprints pipeline specs in Pachyderm's JSON form, so that Pachyderm specs
 * using only the features Tusk has run unchanged.
 *
 * <p>Parsing is strict: an unknown field anywhere, a value of the wrong type or range, or a rule
 * broken (see {@link #parse}) is refused, and every problem is reported at once, each naming the
 * field's full JSON path, e.g. {@code Invalid pipeline spec: Unknown field 'transform.err_cmd';
 * input.pfs.glob: missing}. A silently ignored field would run a different pipeline than the one
 * its author wrote.
 */
public final class SpecParser {
  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private static final String PREFIX = "Invalid pipeline spec: ";
  private static final Set<String> TOP =
      Set.of(
          "pipeline",
          "description",
          "transform",
          "input",
          "parallelism_spec",
          "datum_tries",
          "resource_requests",
          "output_branch");
  private static final Set<String> PIPELINE = Set.of("name", "project");
  private static final Set<String> PROJECT = Set.of("name");
  private static final Set<String> TRANSFORM = Set.of("cmd", "stdin", "image", "env");
  private static final Set<String> INPUT = Set.of("pfs", "cross", "union", "join", "group", "cron");
  private static final Set<String> PFS =
      Set.of(
          "name",
          "repo",
          "branch",
          "glob",
          "join_on",
          "group_by",
          "outer_join",
          "empty_files",
          "project");
  private static final Set<String> PARALLELISM = Set.of("constant");
  private static final Set<String> RESOURCES = Set.of("cpu", "memory", "gpu");
  private static final Set<String> GPU = Set.of("type", "number");
  static final String GPU_TYPE = "nvidia.com/gpu";
  private static final String DEFAULT_PROJECT = "default";
  static final String DEFAULT_BRANCH = "master";
  static final int DEFAULT_PARALLELISM = 1;
  static final int DEFAULT_DATUM_TRIES = 3;

  private SpecParser() {}

  /**
   * Parses a Pachyderm-style pipeline spec.
   *
   * <p>Accepted fields: {@code pipeline.{name, project}}, {@code description}, {@code
   * transform.{cmd, stdin, image, env}}, {@code input} (one of {@code pfs.{repo, branch, glob,
   * name, join_on, group_by, outer_join, empty_files, project}}, {@code cross}, {@code union},
   * {@code join}, {@code group}), {@code parallelism_spec.constant}, {@code datum_tries}, {@code
   * resource_requests.{cpu, memory, gpu.{type, number}}}, {@code output_branch}. A JSON null is the
   * same as a missing field.
   *
   * <p>Defaults: branch and output branch "master", input name = repo, parallelism 1 (also for 0,
   * as in Pachyderm), datum tries 3. Rules: pipeline and input names follow repo-name rules, and
   * input names are unique within the pipeline and not "out"; {@code project} may only be
   * "default"; a join's and a group's inputs are pfs inputs, each with a {@code join_on} (join) or
   * {@code group_by} (group), which appear nowhere else, as does {@code outer_join: true}; keys
   * refer only to capture groups their glob has.
   *
   * @throws PfsException INVALID_ARGUMENT, "Invalid pipeline spec: " followed by every problem
   */
  public static PipelineSpec parse(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json == null ? "" : json);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw new PfsException(
          ErrorCode.INVALID_ARGUMENT, PREFIX + "not valid JSON: " + e.getOriginalMessage() + where);
    }
    if (root == null || root.isMissingNode() || !root.isObject()) {
      throw new PfsException(ErrorCode.INVALID_ARGUMENT, PREFIX + "expected a JSON object");
    }
    Reader reader = new Reader();
    PipelineSpec spec = reader.spec(root);
    if (!reader.problems.isEmpty()) {
      throw new PfsException(
          ErrorCode.INVALID_ARGUMENT, PREFIX + String.join("; ", reader.problems));
    }
    return spec;
  }

  /**
   * The canonical JSON of a spec, as stored: fields in a fixed order, defaults written out, empty
   * optional fields left out, env sorted; {@code parse(toJson(s))} equals {@code s}.
   */
  public static String toJson(PipelineSpec spec) {
    return SpecWriter.toJson(spec);
  }

  /**
   * SHA-256 (hex) over what decides a datum's output: the transform (cmd, stdin, env, image) and
   * the input tree (names, repos, branches, globs, keys, outer_join, empty_files). Description,
   * parallelism, datum tries, resources and output branch don't change it, so editing them keeps
   * every finished datum.
   */
  public static String processingHash(PipelineSpec spec) {
    return ProcessingHash.of(spec);
  }

  /** Where an input sits: what its parent combines it with. */
  private enum Parent {
    ROOT,
    CROSS,
    UNION,
    JOIN,
    GROUP
  }

  /** One parse: walks the tree, collecting problems instead of stopping at the first. */
  private static final class Reader {
    final List<String> problems = new ArrayList<>();
    // Input name -> path of its first use, for duplicate detection.
    final Map<String, String> inputNames = new HashMap<>();

    PipelineSpec spec(JsonNode root) {
      fields(root, "", TOP);
      String name = pipelineName(root.get("pipeline"));
      String description = string(root.get("description"), "description");
      Transform transform = transform(root.get("transform"));
      Input input = null;
      JsonNode inputNode = present(root.get("input"));
      if (inputNode == null) {
        problem("input", "missing");
      } else {
        input = input(inputNode, "input", Parent.ROOT);
      }
      int parallelism = parallelism(root.get("parallelism_spec"));
      int datumTries = DEFAULT_DATUM_TRIES;
      Integer tries = integer(root.get("datum_tries"), "datum_tries");
      if (tries != null) {
        if (tries < 1) {
          problem("datum_tries", "must be at least 1, not " + tries);
        } else {
          datumTries = tries;
        }
      }
      Resources resources = resources(root.get("resource_requests"));
      String outputBranch = string(root.get("output_branch"), "output_branch");
      if (outputBranch == null || outputBranch.isEmpty()) {
        outputBranch = DEFAULT_BRANCH;
      } else {
        names(() -> Names.checkBranch(root.get("output_branch").asText()), "output_branch");
      }
      if (!problems.isEmpty()) {
        return null;
      }
      return new PipelineSpec(
          name, description, transform, input, parallelism, datumTries, resources, outputBranch);
    }

    private String pipelineName(JsonNode node) {
      node = present(node);
      if (node == null) {
        problem("pipeline.name", "missing");
        return null;
      }
      if (!object(node, "pipeline")) {
        return null;
      }
      fields(node, "pipeline", PIPELINE);
      project(node.get("project"), "pipeline.project", true);
      String name = string(node.get("name"), "pipeline.name");
      if (name == null || name.isEmpty()) {
        if (name != null || present(node.get("name")) == null) {
          problem("pipeline.name", "missing");
        }
        return null;
      }
      names(() -> Names.checkRepo(name), "pipeline.name");
      return name;
    }

    // Pachyderm writes a pipeline's project as {"name": "default"} and an input's as "default".
    private void project(JsonNode node, String path, boolean objectForm) {
      node = present(node);
      if (node == null) {
        return;
      }
      String name;
      if (objectForm && node.isObject()) {
        fields(node, path, PROJECT);
        name = string(node.get("name"), path + ".name");
      } else {
        name = string(node, path);
      }
      if (name != null && !name.isEmpty() && !name.equals(DEFAULT_PROJECT)) {
        problem(
            path, "projects are not supported; only \"default\" is accepted, not \"" + name + "\"");
      }
    }

    private Transform transform(JsonNode node) {
      node = present(node);
      if (node == null) {
        problem("transform.cmd", "missing");
        return null;
      }
      if (!object(node, "transform")) {
        return null;
      }
      fields(node, "transform", TRANSFORM);
      List<String> cmd = strings(node.get("cmd"), "transform.cmd");
      if (cmd == null) {
        if (present(node.get("cmd")) == null) {
          problem("transform.cmd", "missing");
        }
      } else if (cmd.isEmpty()) {
        problem("transform.cmd", "must name a command");
      }
      List<String> stdin = strings(node.get("stdin"), "transform.stdin");
      String image = string(node.get("image"), "transform.image");
      Map<String, String> env = env(node.get("env"));
      if (cmd == null || cmd.isEmpty()) {
        return null;
      }
      return new Transform(
          cmd, stdin == null ? List.of() : stdin, env == null ? Map.of() : env, image);
    }

    private Map<String, String> env(JsonNode node) {
      node = present(node);
      if (node == null) {
        return Map.of();
      }
      if (!object(node, "transform.env")) {
        return null;
      }
      Map<String, String> env = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String path = "transform.env." + e.getKey();
        if (e.getKey().isEmpty() || e.getKey().contains("=") || e.getKey().indexOf('\0') >= 0) {
          problem(path, "is not a valid environment variable name");
        }
        if (!e.getValue().isTextual()) {
          problem(path, "must be a string, not " + kind(e.getValue()));
        } else {
          env.put(e.getKey(), e.getValue().asText());
        }
      }
      return env;
    }

    private Input input(JsonNode node, String path, Parent parent) {
      if (!object(node, path)) {
        return null;
      }
      fields(node, path, INPUT);
      if (present(node.get("cron")) != null) {
        problem(path + ".cron", "cron inputs are not supported");
      }
      List<String> kinds = new ArrayList<>();
      for (String kind : List.of("pfs", "cross", "union", "join", "group")) {
        if (present(node.get(kind)) != null) {
          kinds.add(kind);
        }
      }
      if (kinds.size() != 1) {
        if (kinds.isEmpty() && present(node.get("cron")) == null) {
          problem(path, "must have one of pfs, cross, union, join or group");
        } else if (kinds.size() > 1) {
          problem(
              path,
              "must have only one of pfs, cross, union, join or group, not "
                  + String.join(" and ", kinds));
        }
        return null;
      }
      String kind = kinds.get(0);
      String childPath = path + "." + kind;
      if ((parent == Parent.JOIN || parent == Parent.GROUP) && !kind.equals("pfs")) {
        problem(childPath, "a " + parent.name().toLowerCase() + " combines pfs inputs only");
        return null;
      }
      switch (kind) {
        case "pfs":
          return pfs(node.get("pfs"), childPath, parent);
        case "cross":
          List<Input> cross = inputs(node.get(kind), childPath, Parent.CROSS);
          return cross == null ? null : new Input.Cross(cross);
        case "union":
          List<Input> union = inputs(node.get(kind), childPath, Parent.UNION);
          return union == null ? null : new Input.Union(union);
        case "join":
          List<Input> join = inputs(node.get(kind), childPath, Parent.JOIN);
          return join == null ? null : new Input.Join(join);
        default:
          List<Input> group = inputs(node.get(kind), childPath, Parent.GROUP);
          return group == null ? null : new Input.Group(group);
      }
    }

    private List<Input> inputs(JsonNode node, String path, Parent parent) {
      if (!node.isArray()) {
        problem(path, "must be an array of inputs, not " + kind(node));
        return null;
      }
      if (node.isEmpty()) {
        problem(path, "must list at least one input");
        return null;
      }
      List<Input> inputs = new ArrayList<>();
      boolean ok = true;
      for (int i = 0; i < node.size(); i++) {
        Input input = input(node.get(i), path + "[" + i + "]", parent);
        ok &= input != null;
        inputs.add(input);
      }
      return ok ? inputs : null;
    }

    private Input.Pfs pfs(JsonNode node, String path, Parent parent) {
      if (!object(node, path)) {
        return null;
      }
      int before = problems.size();
      fields(node, path, PFS);
      project(node.get("project"), path + ".project", false);
      String repo = string(node.get("repo"), path + ".repo");
      if (repo == null || repo.isEmpty()) {
        if (repo != null || present(node.get("repo")) == null) {
          problem(path + ".repo", "missing");
        }
      } else {
        names(() -> Names.checkRepo(repo), path + ".repo");
      }
      String branch = string(node.get("branch"), path + ".branch");
      if (branch == null || branch.isEmpty()) {
        branch = DEFAULT_BRANCH;
      } else {
        String b = branch;
        names(() -> Names.checkBranch(b), path + ".branch");
      }
      String name = string(node.get("name"), path + ".name");
      String namePath = path + ".name";
      if (name == null || name.isEmpty()) {
        name = repo;
        namePath = path + ".repo";
      }
      if (name != null && !name.isEmpty()) {
        String n = name;
        if (name.equals("out")) {
          problem(namePath, "an input cannot be named \"out\": /pfs/out is the output");
        } else if (names(() -> Names.checkRepo(n), namePath)) {
          String first = inputNames.putIfAbsent(name, namePath);
          if (first != null) {
            problem(namePath, "input name \"" + name + "\" is already used at " + first);
          }
        }
      }
      Glob glob = null;
      String globText = string(node.get("glob"), path + ".glob");
      if (globText == null || globText.isEmpty()) {
        if (globText != null || present(node.get("glob")) == null) {
          problem(path + ".glob", "missing");
        }
      } else {
        try {
          glob = Glob.compile(globText);
        } catch (PfsException e) {
          problem(path + ".glob", e.getMessage());
        }
      }
      String joinOn = key(node, path, "join_on", parent == Parent.JOIN, "a join", glob);
      String groupBy = key(node, path, "group_by", parent == Parent.GROUP, "a group", glob);
      boolean outerJoin = bool(node.get("outer_join"), path + ".outer_join");
      if (outerJoin && parent != Parent.JOIN) {
        problem(
            path + ".outer_join", "only a pfs input directly under a join can be an outer join");
      }
      boolean emptyFiles = bool(node.get("empty_files"), path + ".empty_files");
      if (problems.size() > before) {
        return null;
      }
      return new Input.Pfs(name, repo, branch, globText, joinOn, groupBy, outerJoin, emptyFiles);
    }

    private String key(
        JsonNode pfs, String path, String field, boolean wanted, String where, Glob glob) {
      String keyPath = path + "." + field;
      String key = string(pfs.get(field), keyPath);
      if (key == null || key.isEmpty()) {
        if (wanted && (key != null || present(pfs.get(field)) == null)) {
          problem(
              keyPath, "missing: a pfs input directly under " + where + " needs one, e.g. \"$1\"");
        }
        return "";
      }
      if (!wanted) {
        problem(keyPath, "only a pfs input directly under " + where + " has a " + field);
        return key;
      }
      if (glob != null) {
        try {
          glob.checkTemplate(key);
        } catch (IllegalArgumentException e) {
          problem(keyPath, e.getMessage());
        }
      }
      return key;
    }

    private int parallelism(JsonNode node) {
      node = present(node);
      if (node == null || !object(node, "parallelism_spec")) {
        return DEFAULT_PARALLELISM;
      }
      fields(node, "parallelism_spec", PARALLELISM);
      Integer constant = integer(node.get("constant"), "parallelism_spec.constant");
      if (constant == null) {
        return DEFAULT_PARALLELISM;
      }
      if (constant < 0) {
        problem("parallelism_spec.constant", "must not be negative, not " + constant);
        return DEFAULT_PARALLELISM;
      }
      return constant == 0 ? DEFAULT_PARALLELISM : constant;
    }

    private Resources resources(JsonNode node) {
      node = present(node);
      if (node == null || !object(node, "resource_requests")) {
        return Resources.NONE;
      }
      fields(node, "resource_requests", RESOURCES);
      double cpu = 0;
      JsonNode cpuNode = present(node.get("cpu"));
      if (cpuNode != null) {
        if (!cpuNode.isNumber()) {
          problem("resource_requests.cpu", "must be a number, not " + kind(cpuNode));
        } else if (!(cpuNode.asDouble() >= 0) || Double.isInfinite(cpuNode.asDouble())) {
          problem("resource_requests.cpu", "must not be negative, not " + cpuNode.asText());
        } else {
          cpu = cpuNode.asDouble();
        }
      }
      long memory = memory(present(node.get("memory")));
      int gpu = 0;
      JsonNode gpuNode = present(node.get("gpu"));
      if (gpuNode != null && object(gpuNode, "resource_requests.gpu")) {
        fields(gpuNode, "resource_requests.gpu", GPU);
        String type = string(gpuNode.get("type"), "resource_requests.gpu.type");
        Integer number = integer(gpuNode.get("number"), "resource_requests.gpu.number");
        if (number != null && number < 0) {
          problem("resource_requests.gpu.number", "must not be negative, not " + number);
        } else if (number != null) {
          gpu = number;
        }
        if (gpu > 0 && (type == null || type.isEmpty())) {
          problem("resource_requests.gpu.type", "missing: use \"" + GPU_TYPE + "\"");
        } else if (type != null && !type.isEmpty() && !type.equals(GPU_TYPE)) {
          problem(
              "resource_requests.gpu.type",
              "only \"" + GPU_TYPE + "\" is supported, not \"" + type + "\"");
        }
      }
      return new Resources(cpu, memory, gpu);
    }

    private long memory(JsonNode node) {
      if (node == null) {
        return 0;
      }
      String path = "resource_requests.memory";
      if (node.isIntegralNumber() && node.canConvertToLong() && node.asLong() >= 0) {
        return node.asLong();
      }
      if (!node.isTextual()) {
        problem(path, "must be a quantity such as \"512Mi\" or \"1G\", not " + kind(node));
        return 0;
      }
      try {
        return Quantity.bytes(node.asText());
      } catch (IllegalArgumentException e) {
        problem(path, e.getMessage());
        return 0;
      }
    }

    private void fields(JsonNode node, String path, Set<String> allowed) {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String field = it.next();
        if (!allowed.contains(field)) {
          problems.add("Unknown field '" + (path.isEmpty() ? "" : path + ".") + field + "'");
        }
      }
    }

    private boolean object(JsonNode node, String path) {
      if (node.isObject()) {
        return true;
      }
      problem(path, "must be an object, not " + kind(node));
      return false;
    }

    private String string(JsonNode node, String path) {
      node = present(node);
      if (node == null) {
        return null;
      }
      if (!node.isTextual()) {
        problem(path, "must be a string, not " + kind(node));
        return null;
      }
      return node.asText();
    }

    private List<String> strings(JsonNode node, String path) {
      node = present(node);
      if (node == null) {
        return null;
      }
      if (!node.isArray()) {
        problem(path, "must be an array of strings, not " + kind(node));
        return null;
      }
      List<String> out = new ArrayList<>();
      for (int i = 0; i < node.size(); i++) {
        if (!node.get(i).isTextual()) {
          problem(path + "[" + i + "]", "must be a string, not " + kind(node.get(i)));
        } else {
          out.add(node.get(i).asText());
        }
      }
      return out.size() == node.size() ? out : null;
    }

    private Integer integer(JsonNode node, String path) {
      node = present(node);
      if (node == null) {
        return null;
      }
      if (!node.isIntegralNumber() || !node.canConvertToInt()) {
        problem(path, "must be an integer, not " + (node.isNumber() ? node.asText() : kind(node)));
        return null;
      }
      return node.asInt();
    }

    private boolean bool(JsonNode node, String path) {
      node = present(node);
      if (node == null) {
        return false;
      }
      if (!node.isBoolean()) {
        problem(path, "must be true or false, not " + kind(node));
        return false;
      }
      return node.asBoolean();
    }

    /** Runs a {@link Names} check, recording its message against the field. */
    private boolean names(Runnable check, String path) {
      try {
        check.run();
        return true;
      } catch (PfsException e) {
        problem(path, e.getMessage());
        return false;
      }
    }

    private void problem(String path, String message) {
      problems.add(path + ": " + message);
    }

    /** Null for a missing field or a JSON null: protobuf JSON treats both as unset. */
    private static JsonNode present(JsonNode node) {
      return node == null || node.isNull() || node.isMissingNode() ? null : node;
    }

    private static String kind(JsonNode node) {
      switch (node.getNodeType()) {
        case ARRAY:
          return "an array";
        case OBJECT:
          return "an object";
        case STRING:
          return "a string";
        case NUMBER:
          return "a number";
        case BOOLEAN:
          return "a boolean";
        default:
          return node.getNodeType().name().toLowerCase();
      }
    }
  }
}
