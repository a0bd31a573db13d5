package dev.tusk.container;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link ContainerSession}'s sandbox sees for every command it runs.
 *
 * @param image the image (Docker); runtimes without images ignore it
 * @param binds host paths made visible inside, in order, as in {@link ContainerSpec}
 * @param resources what was asked for; runtimes enforce what they can
 * @param scratch a host directory of the session's own, for what the runtime keeps per command
 *     (bubblewrap: the directories behind {@code /tmp} and {@code /dev/shm}); created if missing,
 *     emptied first
 */
public record SessionSpec(
    String image, List<ContainerSpec.Bind> binds, ContainerSpec.Resources resources, Path scratch) {
  public SessionSpec {
    image = image == null ? "" : image;
    binds = List.copyOf(binds);
    Objects.requireNonNull(resources, "resources");
    Objects.requireNonNull(scratch, "scratch");
  }
}
