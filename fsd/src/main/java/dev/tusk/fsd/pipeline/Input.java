package dev.tusk.fsd.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A pipeline's input: one pfs input, or cross, union, join or group of inputs. */
public sealed interface Input {

  /** The pfs inputs, depth first in spec order. */
  default List<Pfs> pfsInputs() {
    List<Pfs> out = new ArrayList<>();
    collect(this, out);
    return out;
  }

  private static void collect(Input input, List<Pfs> out) {
    if (input instanceof Pfs pfs) {
      out.add(pfs);
    } else {
      input.children().forEach(i -> collect(i, out));
    }
  }

  /** The inputs this one combines; none for a pfs input. */
  default List<Input> children() {
    return List.of();
  }

  /**
   * The files of {@code repo@branch} matching {@code glob}, seen at {@code /pfs/<name>}.
   *
   * @param name defaults to the repo's name; unique within a pipeline
   * @param joinOn for a join: the key, from the glob's capture groups ("$1"); empty otherwise
   * @param groupBy for a group: the key, from the glob's capture groups; empty otherwise
   * @param outerJoin for a join: keep this input's datums that match nothing
   * @param emptyFiles the datum's files appear with no bytes (only names matter)
   */
  record Pfs(
      String name,
      String repo,
      String branch,
      String glob,
      String joinOn,
      String groupBy,
      boolean outerJoin,
      boolean emptyFiles)
      implements Input {
    public Pfs {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(repo, "repo");
      Objects.requireNonNull(branch, "branch");
      Objects.requireNonNull(glob, "glob");
      joinOn = joinOn == null ? "" : joinOn;
      groupBy = groupBy == null ? "" : groupBy;
    }
  }

  /** Every combination of one datum from each input. */
  record Cross(List<Input> inputs) implements Input {
    public Cross {
      inputs = List.copyOf(inputs);
    }

    @Override
    public List<Input> children() {
      return inputs;
    }
  }

  /** The datums of every input, one after another. */
  record Union(List<Input> inputs) implements Input {
    public Union {
      inputs = List.copyOf(inputs);
    }

    @Override
    public List<Input> children() {
      return inputs;
    }
  }

  /** Datums of pfs inputs with equal {@code joinOn} keys, combined. */
  record Join(List<Input> inputs) implements Input {
    public Join {
      inputs = List.copyOf(inputs);
    }

    @Override
    public List<Input> children() {
      return inputs;
    }
  }

  /** Every file with one {@code groupBy} key, across the inputs, in one datum. */
  record Group(List<Input> inputs) implements Input {
    public Group {
      inputs = List.copyOf(inputs);
    }

    @Override
    public List<Input> children() {
      return inputs;
    }
  }
}
