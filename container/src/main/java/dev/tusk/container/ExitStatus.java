package dev.tusk.container;

/**
 * How a container's command ended.
 *
 * @param code the exit code; 128 + N for a command killed by signal N; 126 for a command that could
 *     not be executed, 127 for one that was not found
 * @param description a sentence for logs and job errors, e.g. "exited with code 2"
 */
public record ExitStatus(int code, String description) {
  public boolean success() {
    return code == 0;
  }

  /** The status for {@code code}, with a description that names the signal for 129 to 192. */
  public static ExitStatus of(int code) {
    if (code > 128 && code <= 128 + 64) {
      return new ExitStatus(
          code, "exited with code " + code + " (killed by signal " + (code - 128) + "?)");
    }
    return new ExitStatus(code, "exited with code " + code);
  }
}
