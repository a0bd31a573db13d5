package dev.tusk.fsd.pipeline;

import java.util.List;

/**
 * One unit of work: the input files a datum's run sees.
 *
 * @param id the first 32 hex digits of {@code hash}
 * @param hash SHA-256 (hex) over the pipeline's processing hash and every file's input name, path
 *     and content hash: equal inputs under an unchanged transform have equal hashes
 * @param files in input name, then path order
 */
public record Datum(String id, String hash, List<DatumFile> files) {
  public Datum {
    files = List.copyOf(files);
  }

  /**
   * A file or directory of an input commit that a datum sees at {@code /pfs/<inputName><path>}.
   *
   * @param hash its content hash (file) or tree hash (directory)
   */
  public record DatumFile(
      String inputName,
      String repo,
      String branch,
      String commit,
      String path,
      String hash,
      boolean directory,
      boolean emptyFiles) {}
}
