package dev.tusk.fsd;

/** A {@code host:port} to listen on, split at its last colon (so IPv6 hosts keep theirs). */
public record ListenAddress(String host, int port) {

  /**
   * Parses {@code text}; {@code what} names it in the error, as in "Invalid S3 address 'x'".
   *
   * @throws IllegalArgumentException when it is not HOST:PORT
   */
  public static ListenAddress parse(String text, String what) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      throw invalid(text, what);
    }
    try {
      return new ListenAddress(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw invalid(text, what);
    }
  }

  private static IllegalArgumentException invalid(String text, String what) {
    return new IllegalArgumentException("Invalid " + what + " '" + text + "': expected HOST:PORT");
  }
}
