package dev.tusk.cli;

/** A {@code HOST:PORT} address as users write it; IPv6 hosts go in brackets ({@code [::1]:1650}). */
record HostPort(String host, int port) {

  /**
   * Parses an address.
   *
   * @param what what the address is for, in the error message
   */
  static HostPort parse(String text, String what) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw invalid(text, what);
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      int port = Integer.parseInt(text.substring(colon + 1));
      if (port < 0 || port > 65535) {
        throw invalid(text, what);
      }
      return new HostPort(host, port);
    } catch (NumberFormatException e) {
      throw invalid(text, what);
    }
  }

  private static IllegalArgumentException invalid(String text, String what) {
    return new IllegalArgumentException("Invalid " + what + " '" + text + "': expected HOST:PORT");
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
