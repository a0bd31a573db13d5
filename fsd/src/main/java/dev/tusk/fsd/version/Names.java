package dev.tusk.fsd.version;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import java.util.regex.Pattern;

/** Validation of repo and branch names and commit ids, with messages that say what is allowed. */
public final class Names {
  private static final Pattern REPO = Pattern.compile("[A-Za-z0-9_-]{1,63}");
  private static final Pattern BRANCH = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,62}");
  private static final Pattern COMMIT_ID = Pattern.compile("[0-9a-f]{32}");

  private Names() {}

  public static String checkRepo(String name) {
    if (name == null || !REPO.matcher(name).matches()) {
      throw new PfsException(
          ErrorCode.INVALID_ARGUMENT,
          "Invalid repo name '" + name + "': use 1 to 63 letters, digits, '_' or '-'");
    }
    return name;
  }

  public static String checkBranch(String name) {
    if (name == null || !BRANCH.matcher(name).matches()) {
      throw new PfsException(
          ErrorCode.INVALID_ARGUMENT,
          "Invalid branch name '" + name + "': use 1 to 63 letters, digits, '_', '-' or '.'"
              + " (not first)");
    }
    if (isCommitId(name)) {
      throw new PfsException(
          ErrorCode.INVALID_ARGUMENT,
          "Invalid branch name '" + name + "': 32 hex digits would read as a commit id");
    }
    return name;
  }

  public static boolean isCommitId(String s) {
    return s != null && COMMIT_ID.matcher(s).matches();
  }
}
