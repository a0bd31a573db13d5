package dev.tusk.cli;

import dev.tusk.api.TuskClient;
import dev.tusk.api.v1.RepoInfo;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code create|list|inspect|delete repo}. */
final class RepoCommands {
  private RepoCommands() {}

  private static Output.Printer<RepoInfo> printer(Io io) {
    return new Output.Printer<>(
        JsonOutput::repo,
        new String[] {"NAME", "CREATED", "SIZE (MASTER)", "DESCRIPTION"},
        repo -> new String[] {
          repo.getName(),
          repo.hasCreated() ? Formats.ago(repo.getCreated(), io.clock()) : "-",
          Formats.bytes(repo.getSizeBytes()),
          repo.getDescription()
        });
  }

  @Command(name = "repo", description = "Create a repo.")
  static final class Create extends ClientCommand {
    @Parameters(paramLabel = "NAME", description = "The repo's name: letters, digits, '_' and '-'.")
    String name;

    @Option(names = {"-d", "--description"}, paramLabel = "TEXT", description = "What the repo holds.")
    String description;

    @Option(names = "--update", description = "Update the description if the repo exists.")
    boolean update;

    @Override
    protected int run(TuskClient client) {
      client.createRepo(name, description, update);
      return 0;
    }
  }

  @Command(name = "repo", description = "List repos.")
  static final class List extends ClientCommand {
    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      try (Stream<RepoInfo> repos = client.listRepo()) {
        output.print(io(), repos.iterator(), printer(io()));
      }
      return 0;
    }
  }

  @Command(name = "repo", description = "Show a repo.")
  static final class Inspect extends ClientCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      RepoInfo repo = client.inspectRepo(name);
      output.printOne(io(), repo, JsonOutput::repo, r -> new String[] {
        "Name", r.getName(),
        "Description", r.getDescription(),
        "Created", r.hasCreated() ? Formats.time(r.getCreated(), io().clock()) : "-",
        "Size of HEAD on master", Formats.bytes(r.getSizeBytes()),
        "Branches", String.join(", ", r.getBranchesList())
      });
      return 0;
    }
  }

  @Command(name = "repo", description = "Delete a repo with its branches, commits and files.")
  static final class Delete extends ClientCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = {"-f", "--force"}, description = "Delete even if other repos' branches depend on it.")
    boolean force;

    @Override
    protected int run(TuskClient client) {
      client.deleteRepo(name, force);
      return 0;
    }
  }
}
