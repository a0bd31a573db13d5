package dev.tusk.cli;

import com.google.protobuf.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How sizes and times read: {@code 4.0KiB}, {@code 3 minutes ago}, RFC 3339 in UTC. */
final class Formats {
  private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  private static final DateTimeFormatter RFC_3339 =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private Formats() {}

  /** {@code 512B}, {@code 4.0KiB}, {@code 1.5GiB}. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + "B";
    }
    double value = n / 1024.0;
    int unit = 0;
    while (value >= 1023.95 && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f%s", value, UNITS[unit]);
  }

  static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  /** {@code 2026-11-24T05:01:02.123Z}. */
  static String rfc3339(Timestamp t) {
    return RFC_3339.format(instant(t));
  }

  /** {@code 5 seconds ago}, {@code 1 hour ago}, as pachctl shows times in tables. */
  static String ago(Timestamp t, Clock clock) {
    Duration age = Duration.between(instant(t), clock.instant());
    long seconds = age.getSeconds();
    if (seconds < 1) {
      return "Less than a second ago";
    }
    if (seconds < 60) {
      return plural(seconds, "second");
    }
    if (seconds < 3600) {
      return plural(seconds / 60, "minute");
    }
    if (seconds < 2 * 86400) {
      return plural(seconds / 3600, "hour");
    }
    return plural(seconds / 86400, "day");
  }

  /** An RFC 3339 time with its age: {@code 2026-11-24T05:01:02.123Z (3 minutes ago)}. */
  static String time(Timestamp t, Clock clock) {
    String ago = ago(t, clock);
    return rfc3339(t) + " (" + Character.toLowerCase(ago.charAt(0)) + ago.substring(1) + ")";
  }

  private static String plural(long n, String unit) {
    return n + " " + unit + (n == 1 ? "" : "s") + " ago";
  }
}
