package dev.tusk.container;

import java.util.List;

/** Opens a {@link ContainerRuntime} by its name. */
public final class ContainerRuntimes {
  /** The runtime to use when none is configured. */
  public static final String DEFAULT = "bubblewrap";

  /** The names {@link #open} knows. */
  public static final List<String> NAMES = List.of("bubblewrap", "docker");

  private ContainerRuntimes() {}

  /**
   * The runtime called {@code name}, with its defaults: {@code bwrap} or {@code docker} from the
   * PATH.
   *
   * @throws IllegalArgumentException for a name not in {@link #NAMES}
   */
  public static ContainerRuntime open(String name) {
    return switch (name) {
      case "bubblewrap" -> new BubblewrapRuntime();
      case "docker" -> new DockerRuntime();
      default ->
          throw new IllegalArgumentException(
              "Unknown container runtime \"" + name + "\"; known: " + String.join(", ", NAMES));
    };
  }
}
