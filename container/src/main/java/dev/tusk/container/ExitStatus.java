package dev.tusk.container;

/**
 * How a container's command ended.
 *
 * @param code the exit code; 128 + N for a command killed by signal N
 * @param description a sentence for logs and job errors, e.g. "exited with code 2"
 */
public record ExitStatus(int code, String description) {
  public boolean success() {
    return code == 0;
  }
}
