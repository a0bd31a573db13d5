package dev.tusk.agent;

/**
 * Every case of {@link PipelineAgentIT} on the agent's fast path: datum after datum in one kept
 * bubblewrap sandbox (the container module's session), seeing {@code /pfs} through the datum view.
 */
class PipelineAgentSessionIT extends PipelineAgentIT {
  @Override
  TestBubblewrapRuntime newRuntime() {
    return TestBubblewrapRuntime.withSessions();
  }
}
