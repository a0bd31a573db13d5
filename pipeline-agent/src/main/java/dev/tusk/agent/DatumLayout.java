package dev.tusk.agent;

import dev.tusk.api.v1.DatumInput;
import dev.tusk.api.v1.DatumTask;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a {@link DatumView} shows for one datum, as a tree under {@code /pfs}: a directory per input
 * name, holding the directories that lead to each matched path, and at each matched path the
 * mount's file or directory (with {@code empty_files}, its names without bytes). Below a matched
 * directory, paths resolve into the mount; explicit entries (deeper matches) come first. The same
 * layout as {@link DatumSandbox} builds from placeholders and binds. Immutable once built.
 */
final class DatumLayout {
  static final DatumLayout EMPTY = new DatumLayout(Instant.EPOCH);

  /**
   * Where a path leads.
   *
   * @param source the host path behind it in the mount, or null for a directory of the layout's own
   * @param explicit whether the layout has an entry of its own here (a directory even where the
   *     source has nothing)
   * @param children the layout's own entries below it
   */
  record Resolved(Path source, boolean emptyFiles, boolean explicit, Set<String> children) {}

  private static final class Node {
    final Map<String, Node> children = new TreeMap<>();
    Path source;
    boolean emptyFiles;
  }

  private final Node root = new Node();
  private final Instant created;

  private DatumLayout(Instant created) {
    this.created = created;
    root.children.put("out", new Node());
  }

  /** Each of {@code names} as an empty directory: what a session's sandbox sees between datums. */
  static DatumLayout names(Set<String> names) {
    DatumLayout layout = new DatumLayout(Instant.now());
    names.forEach(name -> layout.root.children.put(name, new Node()));
    return layout;
  }

  /** The layout of {@code task}'s inputs, read from the mount at {@code pfsMount}. */
  static DatumLayout of(DatumTask task, Path pfsMount) {
    DatumLayout layout = new DatumLayout(Instant.now());
    for (Map.Entry<String, List<DatumInput>> entry : DatumSandbox.inputsByName(task).entrySet()) {
      Node top = new Node();
      layout.root.children.put(entry.getKey(), top);
      List<DatumInput> inputs = entry.getValue();
      DatumInput whole = inputs.stream()
          .filter(i -> DatumSandbox.innerPath(i).equals("/") && !i.getEmptyFiles()).findFirst().orElse(null);
      if (whole != null) {
        top.source = DatumSandbox.mountPath(pfsMount, whole);
        continue;
      }
      for (DatumInput input : inputs) {
        Node node = top;
        String inner = DatumSandbox.innerPath(input);
        if (!inner.equals("/")) {
          for (String part : inner.substring(1).split("/")) {
            node = node.children.computeIfAbsent(part, p -> new Node());
          }
        }
        node.source = DatumSandbox.mountPath(pfsMount, input);
        node.emptyFiles = input.getEmptyFiles();
      }
    }
    return layout;
  }

  Instant created() {
    return created;
  }

  /** Where {@code path} ("/", "/name/a/b") leads; null if nowhere. */
  Resolved resolve(String path) {
    Node node = root;
    Path source = null;
    boolean emptyFiles = false;
    for (String part : path.split("/")) {
      if (part.isEmpty()) {
        continue;
      }
      Node child = node == null ? null : node.children.get(part);
      if (child != null) {
        node = child;
        if (child.source != null) {
          source = child.source;
          emptyFiles = child.emptyFiles;
        } else if (source != null) {
          source = source.resolve(part);
        }
      } else if (source != null) {
        node = null;
        source = source.resolve(part);
      } else {
        return null;
      }
    }
    return new Resolved(source, emptyFiles, node != null, node == null ? Set.of() : node.children.keySet());
  }
}
