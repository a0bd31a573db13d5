package dev.tusk.container;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to run and what it may see.
 *
 * @param image the image to run in (Docker); runtimes without images ignore it
 * @param command the program and its arguments; not empty
 * @param stdin lines written to the command's standard input, each ending in a newline, then EOF
 * @param env environment variables, on top of the runtime's defaults (bubblewrap: PATH and
 *     HOME=/tmp; Docker: the image's); names are not empty and hold no '='
 * @param binds host paths made visible inside, in order (a later bind may sit inside an earlier
 *     one)
 * @param resources what the spec asked for; runtimes enforce what they can
 */
public record ContainerSpec(
    String image,
    List<String> command,
    List<String> stdin,
    Map<String, String> env,
    List<Bind> binds,
    Resources resources) {

  public ContainerSpec {
    image = image == null ? "" : image;
    command = List.copyOf(command);
    if (command.isEmpty()) {
      throw new IllegalArgumentException("A container needs a command");
    }
    stdin = List.copyOf(stdin);
    env = Map.copyOf(env);
    env.forEach(
        (key, value) -> {
          if (key.isEmpty()
              || key.indexOf('=') >= 0
              || key.indexOf(0) >= 0
              || value.indexOf(0) >= 0) {
            throw new IllegalArgumentException(
                "Bad environment variable " + key + ": empty, or holds = or NUL");
          }
        });
    binds = List.copyOf(binds);
    Objects.requireNonNull(resources, "resources");
  }

  /**
   * A host path shown at {@code target} (absolute) inside the container.
   *
   * @param readOnly writes through it fail (EROFS)
   */
  public record Bind(Path source, String target, boolean readOnly) {
    public Bind {
      Objects.requireNonNull(source, "source");
      if (!target.startsWith("/") || target.contains("/../") || target.endsWith("/..")) {
        throw new IllegalArgumentException("Bind target must be an absolute path: " + target);
      }
    }
  }

  /**
   * @param cpu cores, 0 for no limit
   * @param memoryBytes 0 for no limit
   * @param gpu GPUs to expose, 0 for none
   */
  public record Resources(double cpu, long memoryBytes, int gpu) {
    public static final Resources NONE = new Resources(0, 0, 0);
  }
}
