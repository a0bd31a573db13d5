package dev.tusk.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * pachctl's verbs: each groups the nouns it applies to ({@code tusk create repo}, {@code tusk
 * create branch}); the nouns' commands live with their kind ({@link RepoCommands}, {@link
 * FileCommands}, {@link CommitCommands}, {@link BranchCommands}).
 */
final class Verbs {
  private Verbs() {}

  /** A verb alone is a usage error that lists what may follow it. */
  abstract static class Verb implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      throw new ParameterException(spec.commandLine(),
          "'" + spec.qualifiedName() + "' needs one of: "
              + String.join(", ", spec.subcommands().keySet()));
    }
  }

  @Command(
      name = "create",
      description = "Create a repo, a branch or a pipeline.",
      subcommands = {RepoCommands.Create.class, BranchCommands.Create.class, PipelineCommands.Create.class})
  static final class Create extends Verb {}

  @Command(
      name = "list",
      description = "List repos, branches, commits, files, pipelines, jobs or datums.",
      subcommands = {
        RepoCommands.List.class,
        BranchCommands.List.class,
        CommitCommands.List.class,
        FileCommands.List.class,
        PipelineCommands.List.class,
        PipelineCommands.ListJob.class,
        PipelineCommands.ListDatum.class
      })
  static final class List extends Verb {}

  @Command(
      name = "inspect",
      description = "Show a repo, branch, commit, file, pipeline or job.",
      subcommands = {
        RepoCommands.Inspect.class,
        BranchCommands.Inspect.class,
        CommitCommands.Inspect.class,
        FileCommands.Inspect.class,
        PipelineCommands.Inspect.class,
        PipelineCommands.InspectJob.class
      })
  static final class Inspect extends Verb {}

  @Command(
      name = "delete",
      description = "Delete a repo, a branch, a file or a pipeline.",
      subcommands = {
        RepoCommands.Delete.class,
        BranchCommands.Delete.class,
        FileCommands.Delete.class,
        PipelineCommands.Delete.class
      })
  static final class Delete extends Verb {}

  @Command(name = "put", description = "Put files into a repo.", subcommands = PutFileCommand.class)
  static final class Put extends Verb {}

  @Command(name = "get", description = "Get a file's bytes.", subcommands = FileCommands.Get.class)
  static final class Get extends Verb {}

  @Command(name = "glob", description = "Find files by pattern.", subcommands = FileCommands.Glob.class)
  static final class Glob extends Verb {}

  @Command(name = "copy", description = "Copy files by reference.", subcommands = FileCommands.Copy.class)
  static final class Copy extends Verb {}

  @Command(name = "diff", description = "Compare two commits' files.", subcommands = FileCommands.Diff.class)
  static final class Diff extends Verb {}

  @Command(
      name = "start",
      description = "Open a commit, or start a stopped pipeline.",
      subcommands = {CommitCommands.Start.class, PipelineCommands.Start.class})
  static final class Start extends Verb {}

  @Command(name = "stop", description = "Stop a pipeline.", subcommands = PipelineCommands.Stop.class)
  static final class Stop extends Verb {}

  @Command(name = "update", description = "Update a pipeline's spec.", subcommands = PipelineCommands.Update.class)
  static final class Update extends Verb {}

  @Command(name = "rerun", description = "Run a datum again and compare.", subcommands = PipelineCommands.RerunDatum.class)
  static final class Rerun extends Verb {}

  @Command(name = "finish", description = "Finish a commit.", subcommands = CommitCommands.Finish.class)
  static final class Finish extends Verb {}

  @Command(
      name = "wait",
      description = "Wait for a commit or a job to finish.",
      subcommands = {CommitCommands.Wait.class, PipelineCommands.WaitJob.class})
  static final class Wait extends Verb {}
}
