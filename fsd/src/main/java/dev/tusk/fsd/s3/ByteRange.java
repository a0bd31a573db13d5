package dev.tusk.fsd.s3;

/**
 * One byte range of an object, from a {@code Range: bytes=...} header: {@code a-b}, {@code a-} or
 * the suffix {@code -n}. As in S3, a header that does not parse, or asks for several ranges, is
 * ignored (the whole object is sent); a range that starts past the end is InvalidRange (416).
 *
 * @param first the first byte
 * @param last the last byte, inclusive
 */
record ByteRange(long first, long last) {

  long length() {
    return last - first + 1;
  }

  /** {@code bytes first-last/size}, for Content-Range. */
  String contentRange(long size) {
    return "bytes " + first + "-" + last + "/" + size;
  }

  /** The range {@code header} asks for in an object of {@code size} bytes, or null for all of it. */
  static ByteRange parse(String header, long size) {
    if (header == null) {
      return null;
    }
    String spec = header.strip();
    if (!spec.startsWith("bytes=") || spec.indexOf(',') >= 0) {
      return null;
    }
    spec = spec.substring("bytes=".length()).strip();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    String from = spec.substring(0, dash).strip();
    String to = spec.substring(dash + 1).strip();
    try {
      if (from.isEmpty()) {
        if (to.isEmpty()) {
          return null;
        }
        long suffix = Long.parseLong(to);
        if (suffix == 0 || size == 0) {
          throw unsatisfiable(header, size);
        }
        return new ByteRange(Math.max(0, size - suffix), size - 1);
      }
      long first = Long.parseLong(from);
      long last = to.isEmpty() ? Long.MAX_VALUE : Long.parseLong(to);
      if (first < 0 || last < first) {
        return null;
      }
      if (first >= size) {
        throw unsatisfiable(header, size);
      }
      return new ByteRange(first, Math.min(last, size - 1));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static S3Exception unsatisfiable(String header, long size) {
    return new S3Exception(
        "InvalidRange", 416,
        "The range '" + header + "' is not satisfiable: the object has " + size + " bytes");
  }
}
