package dev.tusk.fsd.pipeline;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A pipeline spec, parsed from Pachyderm-compatible JSON by {@link SpecParser}.
 *
 * @param name the pipeline's name, which is also its output repo's
 * @param transform what runs for each datum
 * @param input how the input commits split into datums
 * @param parallelism how many agents share the datums ({@code parallelism_spec.constant}, default 1)
 * @param datumTries attempts per datum before the job fails ({@code datum_tries}, default 3)
 * @param outputBranch the output repo's branch that jobs commit to (default "master")
 */
public record PipelineSpec(
    String name,
    String description,
    Transform transform,
    Input input,
    int parallelism,
    int datumTries,
    Resources resources,
    String outputBranch) {

  public PipelineSpec {
    Objects.requireNonNull(name, "name");
    description = description == null ? "" : description;
    Objects.requireNonNull(transform, "transform");
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(resources, "resources");
    Objects.requireNonNull(outputBranch, "outputBranch");
  }

  /** The pfs inputs, depth first in spec order. */
  public List<Input.Pfs> pfsInputs() {
    return input.pfsInputs();
  }

  /**
   * @param image the image the Docker runtime runs in; the bubblewrap runtime uses the host's /usr
   */
  public record Transform(List<String> cmd, List<String> stdin, Map<String, String> env, String image) {
    public Transform {
      cmd = List.copyOf(cmd);
      stdin = List.copyOf(stdin);
      env = Map.copyOf(env);
      image = image == null ? "" : image;
    }
  }

  /** @param memoryBytes 0 when not asked for */
  public record Resources(double cpu, long memoryBytes, int gpu) {
    public static final Resources NONE = new Resources(0, 0, 0);
  }
}
