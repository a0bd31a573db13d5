package dev.tusk.fsd.store;

import java.time.Instant;

/** One line a datum's run printed (stream "stdout" or "stderr") or the agent said ("agent"). */
public record LogRecord(String job, String datum, Instant time, String stream, String message) {}
