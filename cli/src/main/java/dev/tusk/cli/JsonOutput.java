package dev.tusk.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tusk.api.v1.BranchInfo;
import dev.tusk.api.v1.BranchRef;
import dev.tusk.api.v1.CommitInfo;
import dev.tusk.api.v1.CommitRef;
import dev.tusk.api.v1.CommitState;
import dev.tusk.api.v1.DiffFileResponse;
import dev.tusk.api.v1.FileInfo;
import dev.tusk.api.v1.FileType;
import dev.tusk.api.v1.RepoInfo;
import java.io.IOException;
import java.io.OutputStream;

/**
 * {@code -o json}: one JSON object a line, with snake_case field names, timestamps in RFC 3339 UTC
 * with milliseconds, and {@code null} for what is unset (an open commit's {@code finished}, a first
 * commit's {@code parent}, an empty branch's {@code head}). Streams through one generator, so a
 * listing of millions of entries costs no more memory than one of ten.
 */
final class JsonOutput {
  private static final JsonMapper MAPPER = JsonMapper.builder()
      .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
      .build();

  private final JsonGenerator json;

  /** Writes UTF-8 straight to {@code out}, buffered by the generator; call {@link #flush()} at the end. */
  JsonOutput(OutputStream out) throws IOException {
    this.json = MAPPER.createGenerator(out);
    json.setRootValueSeparator(null);
  }

  void repo(RepoInfo repo) throws IOException {
    json.writeStartObject();
    json.writeStringField("name", repo.getName());
    json.writeNumberField("size_bytes", repo.getSizeBytes());
    json.writeStringField("created", repo.hasCreated() ? Formats.rfc3339(repo.getCreated()) : null);
    json.writeStringField("description", repo.getDescription());
    json.writeArrayFieldStart("branches");
    for (String branch : repo.getBranchesList()) {
      json.writeString(branch);
    }
    json.writeEndArray();
    end();
  }

  void commit(CommitInfo commit) throws IOException {
    json.writeStartObject();
    json.writeStringField("id", commit.getId());
    json.writeStringField("repo", commit.getRepo());
    json.writeStringField("branch", commit.getBranch());
    json.writeStringField("parent", emptyToNull(commit.getParent()));
    json.writeStringField("state", state(commit.getState()));
    json.writeStringField("started", commit.hasStarted() ? Formats.rfc3339(commit.getStarted()) : null);
    json.writeStringField("finished", commit.hasFinished() ? Formats.rfc3339(commit.getFinished()) : null);
    json.writeNumberField("size_bytes", commit.getSizeBytes());
    json.writeStringField("description", commit.getDescription());
    json.writeArrayFieldStart("provenance");
    for (CommitRef upstream : commit.getProvenanceList()) {
      json.writeStartObject();
      json.writeStringField("repo", upstream.getRepo());
      json.writeStringField("branch", upstream.getBranch());
      json.writeStringField("id", upstream.getId());
      json.writeEndObject();
    }
    json.writeEndArray();
    json.writeStringField("commit_set", commit.getCommitSet());
    json.writeStringField("tree_hash", commit.getTreeHash());
    end();
  }

  void file(FileInfo file) throws IOException {
    fileObject(file);
    json.writeRaw('\n');
  }

  void branch(BranchInfo branch) throws IOException {
    json.writeStartObject();
    json.writeStringField("repo", branch.getRepo());
    json.writeStringField("name", branch.getName());
    json.writeStringField("head", emptyToNull(branch.getHead()));
    json.writeArrayFieldStart("provenance");
    for (BranchRef upstream : branch.getProvenanceList()) {
      json.writeStartObject();
      json.writeStringField("repo", upstream.getRepo());
      json.writeStringField("branch", upstream.getBranch());
      json.writeEndObject();
    }
    json.writeEndArray();
    end();
  }

  /** {@code {"change": "added"|"deleted"|"modified", "path", "new_file", "old_file"}}. */
  void diff(DiffFileResponse diff) throws IOException {
    json.writeStartObject();
    json.writeStringField("change", change(diff));
    json.writeStringField("path", path(diff));
    json.writeFieldName("new_file");
    if (diff.hasNewFile()) {
      fileObject(diff.getNewFile());
    } else {
      json.writeNull();
    }
    json.writeFieldName("old_file");
    if (diff.hasOldFile()) {
      fileObject(diff.getOldFile());
    } else {
      json.writeNull();
    }
    end();
  }

  void flush() throws IOException {
    json.flush();
  }

  static String state(CommitState state) {
    return switch (state) {
      case OPEN -> "open";
      case FINISHED -> "finished";
      default -> "unknown";
    };
  }

  static String type(FileType type) {
    return type == FileType.DIR ? "dir" : "file";
  }

  static String change(DiffFileResponse diff) {
    if (!diff.hasOldFile()) {
      return "added";
    }
    return diff.hasNewFile() ? "modified" : "deleted";
  }

  static String path(DiffFileResponse diff) {
    return diff.hasNewFile() ? diff.getNewFile().getPath() : diff.getOldFile().getPath();
  }

  private void fileObject(FileInfo file) throws IOException {
    json.writeStartObject();
    json.writeStringField("path", file.getPath());
    json.writeStringField("type", type(file.getType()));
    json.writeNumberField("size_bytes", file.getSizeBytes());
    json.writeStringField("hash", file.getHash());
    json.writeStringField("commit", file.getCommit());
    json.writeEndObject();
  }

  private void end() throws IOException {
    json.writeEndObject();
    json.writeRaw('\n');
  }

  private static String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
  }
}
