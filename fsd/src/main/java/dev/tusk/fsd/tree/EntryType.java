package dev.tusk.fsd.tree;

/** What a path in a file tree holds. */
public enum EntryType {
  FILE,
  DIR
}
