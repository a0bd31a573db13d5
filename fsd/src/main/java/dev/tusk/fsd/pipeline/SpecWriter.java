package dev.tusk.fsd.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.TreeMap;

/** Writes the canonical JSON of a spec: the form {@link SpecParser} reads back to an equal spec. */
final class SpecWriter {
  private SpecWriter() {}

  static String toJson(PipelineSpec spec) {
    ObjectNode root = SpecParser.JSON.createObjectNode();
    root.putObject("pipeline").put("name", spec.name());
    if (!spec.description().isEmpty()) {
      root.put("description", spec.description());
    }
    root.set("transform", transform(spec.transform()));
    root.set("input", input(spec.input()));
    root.putObject("parallelism_spec").put("constant", spec.parallelism());
    root.put("datum_tries", spec.datumTries());
    PipelineSpec.Resources r = spec.resources();
    if (r.cpu() != 0 || r.memoryBytes() != 0 || r.gpu() != 0) {
      ObjectNode resources = root.putObject("resource_requests");
      if (r.cpu() != 0) {
        resources.put("cpu", r.cpu());
      }
      if (r.memoryBytes() != 0) {
        resources.put("memory", Quantity.format(r.memoryBytes()));
      }
      if (r.gpu() != 0) {
        resources.putObject("gpu").put("type", SpecParser.GPU_TYPE).put("number", r.gpu());
      }
    }
    root.put("output_branch", spec.outputBranch());
    try {
      return SpecParser.JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e); // a tree of plain nodes always serializes
    }
  }

  private static ObjectNode transform(PipelineSpec.Transform t) {
    ObjectNode node = SpecParser.JSON.createObjectNode();
    if (!t.image().isEmpty()) {
      node.put("image", t.image());
    }
    ArrayNode cmd = node.putArray("cmd");
    t.cmd().forEach(cmd::add);
    if (!t.stdin().isEmpty()) {
      ArrayNode stdin = node.putArray("stdin");
      t.stdin().forEach(stdin::add);
    }
    if (!t.env().isEmpty()) {
      ObjectNode env = node.putObject("env");
      new TreeMap<>(t.env()).forEach(env::put);
    }
    return node;
  }

  private static ObjectNode input(Input input) {
    ObjectNode node = SpecParser.JSON.createObjectNode();
    if (input instanceof Input.Pfs p) {
      ObjectNode pfs = node.putObject("pfs");
      pfs.put("name", p.name())
          .put("repo", p.repo())
          .put("branch", p.branch())
          .put("glob", p.glob());
      if (!p.joinOn().isEmpty()) {
        pfs.put("join_on", p.joinOn());
      }
      if (p.outerJoin()) {
        pfs.put("outer_join", true);
      }
      if (!p.groupBy().isEmpty()) {
        pfs.put("group_by", p.groupBy());
      }
      if (p.emptyFiles()) {
        pfs.put("empty_files", true);
      }
      return node;
    }
    ArrayNode children = node.putArray(kind(input));
    input.children().forEach(c -> children.add(input(c)));
    return node;
  }

  /** The JSON field that holds this kind of input. */
  static String kind(Input input) {
    if (input instanceof Input.Pfs) {
      return "pfs";
    } else if (input instanceof Input.Cross) {
      return "cross";
    } else if (input instanceof Input.Union) {
      return "union";
    } else if (input instanceof Input.Join) {
      return "join";
    }
    return "group";
  }
}
