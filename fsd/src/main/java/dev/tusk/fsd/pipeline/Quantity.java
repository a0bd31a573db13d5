package dev.tusk.fsd.pipeline;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Kubernetes resource quantities, as Pachyderm takes them for memory. */
final class Quantity {
  private static final Pattern FORMAT =
      Pattern.compile(
          "([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|[eE][+-]?[0-9]+)?");
  private static final Map<String, BigInteger> SUFFIXES = new HashMap<>();

  static {
    String[] binary = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    String[] decimal = {"k", "M", "G", "T", "P", "E"};
    for (int i = 0; i < binary.length; i++) {
      SUFFIXES.put(binary[i], BigInteger.valueOf(1024).pow(i + 1));
      SUFFIXES.put(decimal[i], BigInteger.valueOf(1000).pow(i + 1));
    }
  }

  private Quantity() {}

  /** Bytes for "64M", "1Gi", "1.5G", "1e9" or "1000"; fractions of a byte round up. */
  static long bytes(String text) {
    Matcher m = FORMAT.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "\""
              + text
              + "\" is not a quantity such as \"512Mi\", \"1Gi\", \"64M\" or a number of"
              + " bytes");
    }
    BigDecimal value = new BigDecimal(m.group(1));
    String suffix = m.group(2);
    if (suffix != null && (suffix.charAt(0) == 'e' || suffix.charAt(0) == 'E')) {
      int exponent = Integer.parseInt(suffix.substring(1).replace("+", ""));
      if (Math.abs(exponent) > 30) {
        throw new IllegalArgumentException("\"" + text + "\" is too large");
      }
      value = value.scaleByPowerOfTen(exponent);
    } else if (suffix != null) {
      value = value.multiply(new BigDecimal(SUFFIXES.get(suffix)));
    }
    BigInteger bytes = value.setScale(0, RoundingMode.CEILING).toBigIntegerExact();
    if (bytes.bitLength() > 63) {
      throw new IllegalArgumentException("\"" + text + "\" is too large");
    }
    return bytes.longValueExact();
  }

  /** The shortest exact form: "1Gi", "64M", or plain bytes. */
  static String format(long bytes) {
    String best = Long.toString(bytes);
    if (bytes <= 0) {
      return best;
    }
    for (String s : List.of("Ei", "Pi", "Ti", "Gi", "Mi", "Ki", "E", "P", "T", "G", "M", "k")) {
      long unit = SUFFIXES.get(s).longValueExact();
      String candidate = bytes / unit + s;
      if (bytes % unit == 0 && candidate.length() < best.length()) {
        best = candidate;
      }
    }
    return best;
  }
}
