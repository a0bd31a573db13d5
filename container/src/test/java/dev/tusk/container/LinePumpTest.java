package dev.tusk.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LinePumpTest {
  private final RecordingSink sink = new RecordingSink();

  private LinePump pump(byte[] bytes, LogSink to) throws InterruptedException {
    LinePump pump =
        LinePump.start(new ByteArrayInputStream(bytes), LogSink.Stream.STDOUT, to, "test-pump");
    assertThat(pump.await(10_000)).isTrue();
    return pump;
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void splitsOnNewlinesAndDropsCarriageReturns() throws Exception {
    pump(utf8("a\r\n\nb\nlast"), sink).finish();

    assertThat(sink.stdout()).containsExactly("a", "", "b", "last");
  }

  @Test
  void cutsALongLineBeforeACharacterThatWouldNotFit() throws Exception {
    String line = "a".repeat(LinePump.MAX_LINE - 1) + "é" + "b";

    pump(utf8(line + "\n"), sink).finish();

    assertThat(sink.stdout()).containsExactly("a".repeat(LinePump.MAX_LINE - 1), "éb");
  }

  @Test
  void keepsTheLastLinesForTheRuntime() throws Exception {
    assertThat(pump(utf8("1\n2\n3\n4\n5\n6\n7\n"), sink).finish())
        .containsExactly("3", "4", "5", "6", "7");
  }

  @Test
  void aFailingSinkDoesNotStopTheDrainingAndIsRethrown() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    LogSink failing =
        (stream, line) -> {
          calls.incrementAndGet();
          throw new IllegalStateException("sink is full");
        };

    LinePump pump = pump(utf8("x\n".repeat(100_000)), failing);

    assertThat(calls).hasValue(1);
    assertThatThrownBy(pump::finish).hasMessage("sink is full");
  }
}
