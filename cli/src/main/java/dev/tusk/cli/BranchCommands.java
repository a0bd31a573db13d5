package dev.tusk.cli;

import dev.tusk.api.TuskClient;
import dev.tusk.api.v1.BranchInfo;
import dev.tusk.api.v1.BranchRef;
import java.util.ArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code create|list|inspect|delete branch}. */
final class BranchCommands {
  private BranchCommands() {}

  private static final Output.Printer<BranchInfo> PRINTER = new Output.Printer<>(
      JsonOutput::branch,
      new String[] {"BRANCH", "HEAD", "PROVENANCE"},
      branch -> new String[] {branch.getName(), head(branch), provenance(branch)});

  private static String head(BranchInfo branch) {
    return branch.getHead().isEmpty() ? "-" : branch.getHead();
  }

  private static String provenance(BranchInfo branch) {
    return branch.getProvenanceList().stream()
        .map(b -> b.getRepo() + "@" + b.getBranch())
        .collect(Collectors.joining(", "));
  }

  @Command(
      name = "branch",
      description = "Create a branch, or move one: point it at a commit, and name its upstream branches.")
  static final class Create extends ClientCommand {
    @Parameters(paramLabel = "REPO@BRANCH")
    String branch;

    @Option(
        names = "--head",
        paramLabel = "REF",
        description = "The commit to point at: a branch or commit id of the same repo, with ^N/~N,"
            + " or a full REPO@REF.")
    String head;

    @Option(
        names = {"-p", "--provenance"},
        paramLabel = "REPO@BRANCH",
        description = "An upstream branch; repeat for several.")
    java.util.List<String> provenance = new ArrayList<>();

    @Override
    protected int run(TuskClient client) {
      Refs.BranchPath target = Refs.branch(branch);
      String headRef = head == null || head.isEmpty() || head.contains("@")
          ? head
          : target.repo() + "@" + head;
      java.util.List<BranchRef> upstream = new ArrayList<>();
      for (String text : provenance) {
        Refs.BranchPath ref = Refs.branch(text);
        upstream.add(BranchRef.newBuilder().setRepo(ref.repo()).setBranch(ref.branch()).build());
      }
      client.createBranch(target.repo(), target.branch(), headRef, upstream);
      return 0;
    }
  }

  @Command(name = "branch", description = "List a repo's branches.")
  static final class List extends ClientCommand {
    @Parameters(paramLabel = "REPO")
    String repo;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      try (Stream<BranchInfo> branches = client.listBranch(repo)) {
        output.print(io(), branches.iterator(), PRINTER);
      }
      return 0;
    }
  }

  @Command(name = "branch", description = "Show a branch.")
  static final class Inspect extends ClientCommand {
    @Parameters(paramLabel = "REPO@BRANCH")
    String branch;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      Refs.BranchPath target = Refs.branch(branch);
      BranchInfo info = client.inspectBranch(target.repo(), target.branch());
      output.printOne(io(), info, JsonOutput::branch, b -> new String[] {
        "Name", b.getRepo() + "@" + b.getName(),
        "Head", head(b),
        "Provenance", provenance(b)
      });
      return 0;
    }
  }

  @Command(name = "branch", description = "Delete a branch; its commits stay.")
  static final class Delete extends ClientCommand {
    @Parameters(paramLabel = "REPO@BRANCH")
    String branch;

    @Override
    protected int run(TuskClient client) {
      Refs.BranchPath target = Refs.branch(branch);
      client.deleteBranch(target.repo(), target.branch());
      return 0;
    }
  }
}
