package dev.tusk.agent;

import dev.tusk.api.v1.DatumInput;
import dev.tusk.api.v1.DatumTask;
import dev.tusk.container.ContainerSpec;
import dev.tusk.container.ContainerSpec.Bind;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lays out one datum on the host and says how the container sees it: each input's matched files
 * read-only at {@code /pfs/<name><path>} (straight from the mount, where finished commits never
 * change), and an empty {@code /pfs/out} to write to.
 *
 * <p>An input that matched paths below its root gets a small local skeleton at {@code /pfs/<name>}
 * holding only the directories leading to them, bound read-only, with the mount's files bound over
 * its placeholders: so the container sees exactly the datum's files and cannot create others beside
 * them.
 */
final class DatumSandbox {
  static final String PFS = "/pfs";
  static final String OUT = PFS + "/out";

  private DatumSandbox() {}

  /** Where the datum's outputs appear on the host, and what to run. */
  record Prepared(Path outDir, ContainerSpec spec) {}

  /**
   * Creates {@code datumDir} afresh with the skeletons and the empty out directory, and builds the
   * container spec.
   *
   * @param pfsMount where the mount shows {@code repo@commit} directories
   */
  static Prepared prepare(DatumTask task, Path pfsMount, Path datumDir) throws IOException {
    Files.createDirectories(datumDir);
    Path outDir = Files.createDirectory(datumDir.resolve("out"));
    // The command may run as any user (a Docker image's USER): let it write its outputs.
    Files.setPosixFilePermissions(outDir, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path skeletons = Files.createDirectory(datumDir.resolve("in"));

    Map<String, List<DatumInput>> byName = inputsByName(task);
    List<Bind> binds = new ArrayList<>();
    for (Map.Entry<String, List<DatumInput>> entry : byName.entrySet()) {
      String name = entry.getKey();
      String target = PFS + "/" + name;
      List<DatumInput> inputs = entry.getValue();
      DatumInput whole = inputs.stream().filter(i -> innerPath(i).equals("/")).findFirst().orElse(null);
      if (whole != null && !whole.getEmptyFiles()) {
        binds.add(new Bind(mountPath(pfsMount, whole), target, true));
        continue;
      }
      Path skeleton = Files.createDirectory(skeletons.resolve(name));
      List<Bind> over = new ArrayList<>();
      for (DatumInput input : inputs) {
        Path source = mountPath(pfsMount, input);
        String inner = innerPath(input);
        Path placeholder = inner.equals("/") ? skeleton : skeleton.resolve(inner.substring(1));
        if (input.getEmptyFiles()) {
          copyNamesOnly(source, placeholder);
          continue;
        }
        Files.createDirectories(placeholder.getParent());
        if (input.getDirectory()) {
          Files.createDirectories(placeholder);
        } else if (!Files.exists(placeholder)) {
          Files.createFile(placeholder);
        }
        over.add(new Bind(source, target + inner, true));
      }
      binds.add(new Bind(skeleton, target, true));
      binds.addAll(over);
    }
    binds.add(new Bind(outDir, OUT, false));

    Map<String, String> env = environment(task);
    var transform = task.getTransform();
    var resources = task.getResources();
    ContainerSpec spec = new ContainerSpec(
        transform.getImage(),
        transform.getCmdList(),
        transform.getStdinList(),
        env,
        binds,
        new ContainerSpec.Resources(resources.getCpu(), resources.getMemoryBytes(), resources.getGpu()));
    return new Prepared(outDir, spec);
  }

  /** Each input name (checked) with its matched inputs, in the task's order; some have none. */
  static Map<String, List<DatumInput>> inputsByName(DatumTask task) {
    Map<String, List<DatumInput>> byName = new LinkedHashMap<>();
    for (String name : task.getInputNamesList()) {
      byName.put(checkName(name), new ArrayList<>());
    }
    for (DatumInput input : task.getInputsList()) {
      byName.computeIfAbsent(checkName(input.getName()), n -> new ArrayList<>()).add(input);
    }
    return byName;
  }

  /**
   * The command's environment beyond the runtime's defaults: the transform's, each input's name
   * with the path of its first match, and the ids as {@code TUSK_*} and {@code PACH_*}.
   */
  static Map<String, String> environment(DatumTask task) {
    Map<String, String> env = new LinkedHashMap<>(task.getTransform().getEnvMap());
    for (Map.Entry<String, List<DatumInput>> entry : inputsByName(task).entrySet()) {
      if (!entry.getValue().isEmpty()) {
        String target = PFS + "/" + entry.getKey();
        String first = innerPath(entry.getValue().get(0));
        env.put(entry.getKey(), first.equals("/") ? target : target + first);
      }
    }
    putIds(env, "TUSK_", task);
    putIds(env, "PACH_", task);
    return env;
  }

  /** The input's matched path inside its commit: absolute, normalized, "/" for the root. */
  static String innerPath(DatumInput input) {
    String path = input.getPath();
    if (path.isEmpty() || path.equals("/")) {
      return "/";
    }
    if (!path.startsWith("/")) {
      path = "/" + path;
    }
    if (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    for (String part : path.substring(1).split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        throw new IllegalArgumentException("Input " + input.getName() + " has a bad path: " + input.getPath());
      }
    }
    return path;
  }

  /** Where the mount shows the input's matched path. */
  static Path mountPath(Path pfsMount, DatumInput input) {
    Path commit = pfsMount.resolve(input.getRepo() + "@" + input.getCommit());
    String inner = innerPath(input);
    return inner.equals("/") ? commit : commit.resolve(inner.substring(1));
  }

  private static String checkName(String name) {
    if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.equals("out")) {
      throw new IllegalArgumentException("Bad input name: '" + name + "'");
    }
    return name;
  }

  private static void putIds(Map<String, String> env, String prefix, DatumTask task) {
    env.put(prefix + "JOB_ID", task.getJob());
    env.put(prefix + "DATUM_ID", task.getDatum());
    env.put(prefix + "OUTPUT_COMMIT_ID", task.getOutputCommit());
  }

  /** Recreates {@code source}'s files at {@code target} with the same names and no bytes (empty_files). */
  private static void copyNamesOnly(Path source, Path target) throws IOException {
    if (!Files.isDirectory(source)) {
      Files.createDirectories(target.getParent());
      Files.deleteIfExists(target);
      Files.createFile(target);
      return;
    }
    Files.walkFileTree(source, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        Files.createDirectories(target.resolve(source.relativize(dir).toString()));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Path empty = target.resolve(source.relativize(file).toString());
        if (!Files.exists(empty)) {
          Files.createFile(empty);
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
