package dev.tusk.container;

import java.util.List;
import java.util.Map;

/**
 * One command for a {@link ContainerSession}: what {@link ContainerSpec} says of a command, without
 * what the session's sandbox already fixes (image, binds, resources).
 *
 * @param command the program and its arguments; not empty
 * @param stdin lines written to its standard input, each ending in a newline, then EOF
 * @param env environment variables on top of the runtime's defaults, as in {@link ContainerSpec}
 */
public record ContainerCommand(List<String> command, List<String> stdin, Map<String, String> env) {
  public ContainerCommand {
    // The same checks as a spec's, with the same messages.
    ContainerSpec checked =
        new ContainerSpec("", command, stdin, env, List.of(), ContainerSpec.Resources.NONE);
    command = checked.command();
    stdin = checked.stdin();
    env = checked.env();
  }
}
