package dev.tusk.fsd.version;

import dev.tusk.api.ErrorCode;
import dev.tusk.chunkstore.ContentWriter;
import dev.tusk.chunkstore.FileContent;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.store.CommitRecord;
import dev.tusk.fsd.tree.Entry;
import dev.tusk.fsd.tree.TreeChange;
import dev.tusk.fsd.tree.TreePaths;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One batch of file changes to a branch, applied atomically by {@link #commit()}: puts, deletes,
 * copies and new directories, later ones winning. File bytes are chunked as they arrive; nothing
 * becomes visible until every chunk is durable and the new tree is in place. Not thread-safe: one
 * per upload stream.
 */
public final class Modification {
  private final Pfs pfs;
  private final String repo;
  private final String branch;
  private final String description;
  private final ContentWriter writer;
  /** {@link TreeChange}s, and {@link PendingPut}s whose content is still being chunked. */
  private final List<Object> changes = new ArrayList<>();
  private ContentWriter.FileSink open;
  private PendingPut openPut;

  private static final class PendingPut {
    final String path;
    CompletableFuture<FileContent> content;

    PendingPut(String path) {
      this.path = path;
    }
  }

  Modification(Pfs pfs, String repo, String branch, String description, ContentWriter writer) {
    this.pfs = pfs;
    this.repo = repo;
    this.branch = branch;
    this.description = description;
    this.writer = writer;
  }

  /** Starts a file at {@code path}, replacing any file there; its bytes follow through write. */
  public void put(String path) throws IOException {
    String normalized = TreePaths.normalize(path);
    endFile();
    open = writer.begin();
    openPut = new PendingPut(normalized);
    changes.add(openPut);
  }

  /** Appends bytes to the file that the last {@link #put} started. */
  public void write(byte[] data, int offset, int length) throws IOException {
    if (open == null) {
      throw new PfsException(ErrorCode.INVALID_ARGUMENT, "File data arrived before any put");
    }
    open.write(data, offset, length);
  }

  /**
   * Puts a file whose chunks the client stored itself (the mount does, so the bytes need not
   * travel twice). Every chunk must be in the store already: nothing may point at missing data.
   */
  public void putContent(String path, FileContent content) throws IOException {
    String normalized = TreePaths.normalize(path);
    endFile();
    pfs.checkStored(normalized, content);
    changes.add(new TreeChange.PutFile(normalized, content));
  }

  /** Removes a file, or a directory with everything in it. */
  public void delete(String path) throws IOException {
    String normalized = TreePaths.normalize(path);
    endFile();
    changes.add(new TreeChange.Delete(normalized));
  }

  /** Copies a file or directory ({@code repo@ref:/path}) by reference: no bytes move. */
  public void copy(String source, String path) throws IOException {
    String normalized = TreePaths.normalize(path);
    endFile();
    Entry entry = pfs.inspectFile(source);
    changes.add(new TreeChange.Copy(normalized, entry));
  }

  /** Creates an empty directory. */
  public void makeDir(String path) throws IOException {
    String normalized = TreePaths.normalize(path);
    endFile();
    changes.add(new TreeChange.MakeDir(normalized));
  }

  /**
   * Makes every chunk durable, then applies the changes: into the branch's open commit if it has
   * one, else as a new finished commit of their own.
   */
  public CommitRecord commit() throws IOException {
    endFile();
    writer.flush();
    List<TreeChange> resolved = new ArrayList<>(changes.size());
    for (Object change : changes) {
      resolved.add(
          change instanceof PendingPut put
              ? new TreeChange.PutFile(put.path, put.content.join())
              : (TreeChange) change);
    }
    return pfs.applyChanges(repo, branch, description, resolved);
  }

  private void endFile() throws IOException {
    if (open != null) {
      openPut.content = open.finish();
      open = null;
      openPut = null;
    }
  }
}
