package dev.tusk.fsd.tree;

/**
 * One difference between two trees at {@code path}: added ({@code older == null}), deleted ({@code
 * newer == null}), or changed (both set: a file whose content hash differs, or a path whose type
 * changed). See {@link TreeStore#diff} for how directories are reported.
 */
public record Diff(String path, Entry older, Entry newer) {
  public Diff {
    if (path == null || (older == null && newer == null)) {
      throw new IllegalArgumentException("A diff needs a path and at least one side");
    }
  }
}
