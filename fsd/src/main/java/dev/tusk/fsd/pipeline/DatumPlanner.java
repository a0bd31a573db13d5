package dev.tusk.fsd.pipeline;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.pipeline.Datum.DatumFile;
import dev.tusk.fsd.pipeline.InputLister.Match;
import dev.tusk.fsd.version.Glob;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Splits a job's input commits into datums, following Pachyderm's semantics.
 *
 * <ul>
 *   <li><b>pfs</b>: one datum per file or directory the glob matches ({@link InputLister}); a
 *       directory's datum holds its whole subtree. So {@code /} is one datum (the root), {@code /*}
 *       one per top-level entry, and {@code /**} one per file <i>and</i> per directory at any depth
 *       (what Pachyderm's GlobFile returns; a file then also appears inside its directories'
 *       datums), never the root.
 *   <li><b>cross</b>: every combination of one datum from each input; nothing if any input has
 *       none.
 *   <li><b>union</b>: the datums of every input; an input with none adds nothing.
 *   <li><b>join</b>: each pfs input's datums keyed by its {@code join_on} template expanded over
 *       the glob's capture groups; for a key every input has, the cross product of their datums
 *       with that key. For a key some input lacks, the cross product of just the present {@code
 *       outer_join} inputs' datums (nothing if none is present).
 *   <li><b>group</b>: for each {@code group_by} key, one datum of every match with that key across
 *       the inputs.
 * </ul>
 *
 * A datum's files are sorted by input name, then path. Its hash is SHA-256 over the processing hash
 * and each file's input name, path and content hash, all length-prefixed: the commit isn't in it,
 * so unchanged files under an unchanged transform keep their datum (and its output) from one job to
 * the next. Equal datums can't be told apart by their output, so a plan keeps one of each (the case
 * of an outer join, where several combinations reduce to the same outer datum). The plan is ordered
 * by id.
 */
public final class DatumPlanner {
  private static final Comparator<DatumFile> FILE_ORDER =
      Comparator.comparing(DatumFile::inputName).thenComparing(DatumFile::path);

  private final Map<String, String> commits;
  private final InputLister lister;

  private DatumPlanner(Map<String, String> commits, InputLister lister) {
    this.commits = commits;
    this.lister = lister;
  }

  /**
   * Plans a job's datums.
   *
   * @param processingHash {@link SpecParser#processingHash} of {@code spec}, as stored with the job
   * @param commitByInputName the input commit id of every pfs input, by input name
   * @return the datums, de-duplicated, ordered by id
   * @throws PfsException INVALID_ARGUMENT if an input has no commit or its spec is malformed
   */
  public static List<Datum> plan(
      PipelineSpec spec,
      String processingHash,
      Map<String, String> commitByInputName,
      InputLister lister) {
    for (Input.Pfs pfs : spec.pfsInputs()) {
      if (commitByInputName.get(pfs.name()) == null) {
        throw new PfsException(
            ErrorCode.INVALID_ARGUMENT,
            "Cannot plan pipeline " + spec.name() + ": no commit for input '" + pfs.name() + "'");
      }
    }
    List<DatumFile[]> parts = new DatumPlanner(commitByInputName, lister).datums(spec.input());
    return finish(processingHash, parts);
  }

  private List<DatumFile[]> datums(Input input) {
    if (input instanceof Input.Pfs pfs) {
      List<DatumFile[]> out = new ArrayList<>();
      for (Match m : list(pfs)) {
        out.add(new DatumFile[] {file(pfs, m)});
      }
      return out;
    } else if (input instanceof Input.Cross cross) {
      List<DatumFile[]> product = List.<DatumFile[]>of(new DatumFile[0]);
      for (Input child : cross.inputs()) {
        product = cross(product, datums(child));
      }
      return product;
    } else if (input instanceof Input.Union union) {
      List<DatumFile[]> out = new ArrayList<>();
      union.inputs().forEach(child -> out.addAll(datums(child)));
      return out;
    } else if (input instanceof Input.Join join) {
      return join(pfsChildren(join));
    }
    return group(pfsChildren(input));
  }

  private List<DatumFile[]> join(List<Input.Pfs> inputs) {
    int n = inputs.size();
    // key -> per input (in spec order), its datums with that key
    Map<String, List<List<DatumFile[]>>> byKey = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      Input.Pfs pfs = inputs.get(i);
      Glob glob = glob(pfs);
      for (Match m : list(pfs)) {
        String key = glob.expand(pfs.joinOn(), m.path());
        List<List<DatumFile[]>> slots = byKey.computeIfAbsent(key, k -> emptySlots(n));
        slots.get(i).add(new DatumFile[] {file(pfs, m)});
      }
    }
    List<DatumFile[]> out = new ArrayList<>();
    for (List<List<DatumFile[]>> slots : byKey.values()) {
      boolean complete = slots.stream().noneMatch(List::isEmpty);
      List<DatumFile[]> product = List.<DatumFile[]>of(new DatumFile[0]);
      boolean any = false;
      for (int i = 0; i < n; i++) {
        if (complete || (inputs.get(i).outerJoin() && !slots.get(i).isEmpty())) {
          product = cross(product, slots.get(i));
          any = true;
        }
      }
      if (any) {
        out.addAll(product);
      }
    }
    return out;
  }

  private List<DatumFile[]> group(List<Input.Pfs> inputs) {
    Map<String, List<DatumFile>> byKey = new TreeMap<>();
    for (Input.Pfs pfs : inputs) {
      Glob glob = glob(pfs);
      for (Match m : list(pfs)) {
        String key = glob.expand(pfs.groupBy(), m.path());
        byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(file(pfs, m));
      }
    }
    List<DatumFile[]> out = new ArrayList<>(byKey.size());
    byKey.values().forEach(files -> out.add(files.toArray(DatumFile[]::new)));
    return out;
  }

  private static List<DatumFile[]> cross(List<DatumFile[]> left, List<DatumFile[]> right) {
    List<DatumFile[]> out = new ArrayList<>(left.size() * right.size());
    for (DatumFile[] l : left) {
      for (DatumFile[] r : right) {
        DatumFile[] both = Arrays.copyOf(l, l.length + r.length);
        System.arraycopy(r, 0, both, l.length, r.length);
        out.add(both);
      }
    }
    return out;
  }

  private List<Match> list(Input.Pfs pfs) {
    return lister.glob(pfs.repo(), commits.get(pfs.name()), pfs.glob());
  }

  private DatumFile file(Input.Pfs pfs, Match m) {
    return new DatumFile(
        pfs.name(),
        pfs.repo(),
        pfs.branch(),
        commits.get(pfs.name()),
        m.path(),
        m.hash(),
        m.directory(),
        pfs.emptyFiles());
  }

  private static List<Input.Pfs> pfsChildren(Input input) {
    List<Input.Pfs> out = new ArrayList<>();
    for (Input child : input.children()) {
      if (!(child instanceof Input.Pfs pfs)) {
        throw new PfsException(
            ErrorCode.INVALID_ARGUMENT,
            "Invalid pipeline spec: a " + SpecWriter.kind(input) + " combines pfs inputs only");
      }
      out.add(pfs);
    }
    return out;
  }

  private static Glob glob(Input.Pfs pfs) {
    Glob glob = Glob.compile(pfs.glob());
    try {
      glob.checkTemplate(pfs.joinOn());
      glob.checkTemplate(pfs.groupBy());
    } catch (IllegalArgumentException e) {
      throw new PfsException(
          ErrorCode.INVALID_ARGUMENT,
          "Invalid pipeline spec: input " + pfs.name() + ": " + e.getMessage());
    }
    return glob;
  }

  private static <T> List<List<T>> emptySlots(int n) {
    List<List<T>> slots = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      slots.add(new ArrayList<>(1));
    }
    return slots;
  }

  private static List<Datum> finish(String processingHash, List<DatumFile[]> parts) {
    MessageDigest digest = ProcessingHash.sha256();
    byte[] prefix = lengthPrefixed(processingHash);
    Hashed[] hashed = new Hashed[parts.size()];
    int i = 0;
    for (DatumFile[] files : parts) {
      if (files.length > 1) {
        Arrays.sort(files, FILE_ORDER);
      }
      digest.update(prefix);
      digest.update(ByteBuffer.allocate(4).putInt(files.length).array());
      for (DatumFile f : files) {
        digest.update(lengthPrefixed(f.inputName()));
        digest.update(lengthPrefixed(f.path()));
        digest.update(lengthPrefixed(f.hash()));
      }
      hashed[i++] = new Hashed(digest.digest(), files);
    }
    // Sorting raw digests (hex order is unsigned byte order) is cheaper than sorting hex strings,
    // and it puts equal datums side by side for de-duplication.
    Arrays.sort(hashed);
    HexFormat hex = HexFormat.of();
    List<Datum> out = new ArrayList<>(hashed.length);
    Hashed previous = null;
    for (Hashed h : hashed) {
      if (previous != null && Arrays.equals(previous.digest, h.digest)) {
        continue;
      }
      String hash = hex.formatHex(h.digest);
      out.add(new Datum(hash.substring(0, 32), hash, Arrays.asList(h.files)));
      previous = h;
    }
    return out;
  }

  /** A datum's digest and files, ordered by digest. */
  private record Hashed(byte[] digest, DatumFile[] files) implements Comparable<Hashed> {
    @Override
    public int compareTo(Hashed o) {
      return Arrays.compareUnsigned(digest, o.digest);
    }
  }

  private static byte[] lengthPrefixed(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(4 + bytes.length).putInt(bytes.length).put(bytes).array();
  }
}
