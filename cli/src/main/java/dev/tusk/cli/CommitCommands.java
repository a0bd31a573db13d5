package dev.tusk.cli;

import dev.tusk.api.TuskClient;
import dev.tusk.api.v1.CommitInfo;
import dev.tusk.api.v1.CommitState;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code start|finish|inspect|list|wait commit}. */
final class CommitCommands {
  private CommitCommands() {}

  private static Output.Printer<CommitInfo> printer(Io io) {
    return new Output.Printer<>(
        JsonOutput::commit,
        new String[] {"REPO", "BRANCH", "COMMIT", "STARTED", "FINISHED", "SIZE", "DESCRIPTION"},
        c -> new String[] {
          c.getRepo(),
          c.getBranch(),
          c.getId(),
          c.hasStarted() ? Formats.ago(c.getStarted(), io.clock()) : "-",
          c.getState() == CommitState.FINISHED && c.hasFinished()
              ? Formats.ago(c.getFinished(), io.clock())
              : "-",
          Formats.bytes(c.getSizeBytes()),
          c.getDescription()
        });
  }

  /** Prints one commit: a JSON line, or its details. */
  private static void printCommit(Io io, Output output, CommitInfo commit) throws Exception {
    output.printOne(io, commit, JsonOutput::commit, c -> new String[] {
      "Commit", c.getRepo() + "@" + c.getId(),
      "Branch", c.getBranch(),
      "Parent", c.getParent().isEmpty() ? "<none>" : c.getParent(),
      "State", JsonOutput.state(c.getState()),
      "Started", c.hasStarted() ? Formats.time(c.getStarted(), io.clock()) : "-",
      "Finished", c.hasFinished() ? Formats.time(c.getFinished(), io.clock()) : "-",
      "Size", Formats.bytes(c.getSizeBytes()),
      "Commit set", c.getCommitSet(),
      "Provenance", c.getProvenanceList().stream()
          .map(p -> p.getRepo() + "@" + p.getBranch() + "=" + p.getId())
          .collect(Collectors.joining(", ")),
      "Description", c.getDescription()
    });
  }

  @Command(
      name = "commit",
      description = "Open a commit on a branch; puts go into it until it is finished. Prints its id.")
  static final class Start extends ClientCommand {
    @Parameters(paramLabel = "REPO@BRANCH")
    String branch;

    @Option(names = "--parent", paramLabel = "REF", description = "The parent (default: the branch head).")
    String parent;

    @Option(names = {"-m", "--message", "--description"}, paramLabel = "TEXT")
    String description;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      Refs.BranchPath target = Refs.branch(branch);
      String parentRef = parent == null || parent.isEmpty() || parent.contains("@")
          ? parent
          : target.repo() + "@" + parent;
      CommitInfo commit = client.startCommit(target.repo(), target.branch(), parentRef, description);
      if (output.json()) {
        printCommit(io(), output, commit);
      } else {
        io().out().println(commit.getId());
      }
      return 0;
    }
  }

  @Command(name = "commit", description = "Finish a commit: REPO@BRANCH (its open commit) or REPO@ID.")
  static final class Finish extends ClientCommand {
    @Parameters(paramLabel = "REPO@REF")
    String commit;

    @Option(names = {"-m", "--message", "--description"}, paramLabel = "TEXT", description = "Replace the description.")
    String description;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      CommitInfo info = client.finishCommit(commit, description);
      if (output.json()) {
        printCommit(io(), output, info);
      }
      return 0;
    }
  }

  @Command(name = "commit", description = "Show a commit: REPO@BRANCH, REPO@ID, with ^N or ~N for ancestors.")
  static final class Inspect extends ClientCommand {
    @Parameters(paramLabel = "REPO@REF")
    String commit;

    @Option(names = "--wait", description = "Wait until the commit is finished.")
    boolean wait;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      printCommit(io(), output, client.inspectCommit(commit, wait));
      return 0;
    }
  }

  @Command(name = "commit", description = "Wait until a commit is finished, then show it.")
  static final class Wait extends ClientCommand {
    @Parameters(paramLabel = "REPO@REF")
    String commit;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      printCommit(io(), output, client.inspectCommit(commit, true));
      return 0;
    }
  }

  @Command(name = "commit", description = "List commits, newest first: a branch's history, or all of a repo's.")
  static final class List extends ClientCommand {
    @Parameters(paramLabel = "REPO[@BRANCH]")
    String ref;

    @Option(names = {"-n", "--number"}, paramLabel = "N", description = "At most N commits.")
    long limit;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      if (limit < 0) {
        throw new IllegalArgumentException("-n must not be negative");
      }
      Refs.BranchPath target = Refs.branchPath(ref);
      if (target.path() != null) {
        throw new IllegalArgumentException("Invalid ref '" + ref + "': expected REPO[@BRANCH]");
      }
      try (Stream<CommitInfo> commits = client.listCommit(target.repo(), target.branch(), limit)) {
        output.print(io(), commits.iterator(), printer(io()));
      }
      return 0;
    }
  }
}
