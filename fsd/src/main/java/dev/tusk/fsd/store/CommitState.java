package dev.tusk.fsd.store;

/** An open commit still takes changes; a finished one never changes again. */
public enum CommitState {
  OPEN,
  FINISHED
}
