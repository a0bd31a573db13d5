package dev.tusk.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class FormatsTest {
  private static final Clock NOW = Clock.fixed(Instant.parse("2026-11-24T05:10:00Z"), ZoneOffset.UTC);

  private static Timestamp at(String instant) {
    Instant i = Instant.parse(instant);
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }

  @Test
  void sizesAreHumanizedInBinaryUnits() {
    assertThat(Formats.bytes(0)).isEqualTo("0B");
    assertThat(Formats.bytes(1023)).isEqualTo("1023B");
    assertThat(Formats.bytes(4096)).isEqualTo("4.0KiB");
    assertThat(Formats.bytes(1536L << 20)).isEqualTo("1.5GiB");
    assertThat(Formats.bytes((1L << 20) - 1)).isEqualTo("1.0MiB");
  }

  @Test
  void timestampsAreRfc3339UtcWithMilliseconds() {
    assertThat(Formats.rfc3339(at("2026-11-24T05:01:02.123456789Z"))).isEqualTo("2026-11-24T05:01:02.123Z");
    assertThat(Formats.rfc3339(at("2026-11-24T05:01:02Z"))).isEqualTo("2026-11-24T05:01:02.000Z");
  }

  @Test
  void agesReadLikePachctls() {
    assertThat(Formats.ago(at("2026-11-24T05:09:59.500Z"), NOW)).isEqualTo("Less than a second ago");
    assertThat(Formats.ago(at("2026-11-24T05:09:59Z"), NOW)).isEqualTo("1 second ago");
    assertThat(Formats.ago(at("2026-11-24T05:07:00Z"), NOW)).isEqualTo("3 minutes ago");
    assertThat(Formats.ago(at("2026-11-24T04:10:00Z"), NOW)).isEqualTo("1 hour ago");
    assertThat(Formats.ago(at("2026-11-20T05:10:00Z"), NOW)).isEqualTo("4 days ago");
  }
}
