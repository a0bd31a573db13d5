package dev.tusk.fsd.store;

import java.time.Instant;
import java.util.Objects;

/** A repo as stored. */
public record RepoRecord(String name, Instant created, String description) {
  public RepoRecord {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(created, "created");
    description = description == null ? "" : description;
  }
}
