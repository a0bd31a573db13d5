package dev.tusk.fsd.store;

import static dev.tusk.fsd.store.SqlDatabase.queryOne;
import static dev.tusk.fsd.store.SqlDatabase.run;
import static dev.tusk.fsd.store.SqlDatabase.update;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tables of the metadata and pipeline stores, versioned. {@code schema_version} holds one row,
 * the version the tables are at. Opening a database creates every table if it has none, and
 * upgrades it in place, in the same transaction, if it was written by an older release: the steps
 * from its version on run in order. A step is never edited once released; a change is a new step.
 *
 * <p>Placeholders in the DDL: {@code {TEXT}}, {@code {BLOB}} and {@code {SEQUENCE_KEY}}, the
 * dialect's types.
 */
final class Schema {
  private static final Logger LOG = LoggerFactory.getLogger(Schema.class);

  /** The version that this release writes. */
  static final int VERSION = 2;

  private static final String SCHEMA_VERSION_TABLE =
      """
      CREATE TABLE IF NOT EXISTS schema_version (
        version INTEGER NOT NULL
      )
      """;

  /** Version 1: repos, branches, commits. */
  private static final List<String> V1 =
      List.of(
          """
          CREATE TABLE IF NOT EXISTS repos (
            name        {TEXT} NOT NULL PRIMARY KEY,
            created     BIGINT NOT NULL,
            description {TEXT} NOT NULL
          )
          """,
          """
          CREATE TABLE IF NOT EXISTS branches (
            repo {TEXT} NOT NULL REFERENCES repos (name) ON DELETE CASCADE,
            name {TEXT} NOT NULL,
            head {TEXT},
            PRIMARY KEY (repo, name)
          )
          """,
          """
          CREATE TABLE IF NOT EXISTS branch_provenance (
            repo            {TEXT}  NOT NULL,
            branch          {TEXT}  NOT NULL,
            position        INTEGER NOT NULL,
            upstream_repo   {TEXT}  NOT NULL,
            upstream_branch {TEXT}  NOT NULL,
            PRIMARY KEY (repo, branch, position),
            FOREIGN KEY (repo, branch) REFERENCES branches (repo, name) ON DELETE CASCADE
          )
          """,
          """
          CREATE INDEX IF NOT EXISTS branch_provenance_by_upstream
            ON branch_provenance (upstream_repo, upstream_branch)
          """,
          """
          CREATE TABLE IF NOT EXISTS commits (
            id          {TEXT} NOT NULL PRIMARY KEY,
            repo        {TEXT} NOT NULL REFERENCES repos (name) ON DELETE CASCADE,
            branch      {TEXT} NOT NULL,
            parent      {TEXT},
            state       {TEXT} NOT NULL CHECK (state IN ('OPEN', 'FINISHED')),
            started     BIGINT NOT NULL,
            finished    BIGINT,
            description {TEXT} NOT NULL,
            tree_key    {TEXT} NOT NULL,
            tree_hash   {TEXT} NOT NULL,
            size_bytes  BIGINT NOT NULL,
            file_count  BIGINT NOT NULL,
            commit_set  {TEXT} NOT NULL
          )
          """,
          """
          CREATE INDEX IF NOT EXISTS commits_by_repo ON commits (repo, started, id)
          """,
          """
          CREATE INDEX IF NOT EXISTS commits_open ON commits (state) WHERE state = 'OPEN'
          """,
          """
          CREATE TABLE IF NOT EXISTS commit_provenance (
            commit_id       {TEXT}  NOT NULL REFERENCES commits (id) ON DELETE CASCADE,
            position        INTEGER NOT NULL,
            repo            {TEXT}  NOT NULL,
            branch          {TEXT}  NOT NULL,
            upstream_commit {TEXT}  NOT NULL,
            PRIMARY KEY (commit_id, position)
          )
          """);

  /**
   * Version 2: pipelines, their versions, jobs, datums, datum outputs and logs. Everything hangs
   * off a pipeline row by cascading foreign keys, so that rows a concurrent daemon writes while the
   * pipeline is deleted go with it; every foreign key column leads an index, so that a cascade
   * never scans a table.
   */
  private static final List<String> V2 =
      List.of(
          """
          CREATE TABLE IF NOT EXISTS pipelines (
            name    {TEXT} NOT NULL PRIMARY KEY,
            version BIGINT NOT NULL,
            state   {TEXT} NOT NULL,
            reason  {TEXT} NOT NULL,
            salt    {TEXT} NOT NULL,
            created BIGINT NOT NULL,
            updated BIGINT NOT NULL
          )
          """,
          """
          CREATE TABLE IF NOT EXISTS pipeline_versions (
            name    {TEXT} NOT NULL REFERENCES pipelines (name) ON DELETE CASCADE,
            version BIGINT NOT NULL,
            spec    {TEXT} NOT NULL,
            created BIGINT NOT NULL,
            PRIMARY KEY (name, version)
          )
          """,
          """
          CREATE TABLE IF NOT EXISTS jobs (
            id               {TEXT} NOT NULL PRIMARY KEY,
            pipeline         {TEXT} NOT NULL REFERENCES pipelines (name) ON DELETE CASCADE,
            pipeline_version BIGINT NOT NULL,
            state            {TEXT} NOT NULL,
            reason           {TEXT} NOT NULL,
            created          BIGINT NOT NULL,
            started          BIGINT,
            finished         BIGINT,
            output_repo      {TEXT} NOT NULL,
            output_branch    {TEXT} NOT NULL,
            output_commit    {TEXT} NOT NULL,
            commit_set       {TEXT} NOT NULL,
            datums_total     BIGINT NOT NULL,
            datums_processed BIGINT NOT NULL,
            datums_skipped   BIGINT NOT NULL,
            datums_failed    BIGINT NOT NULL
          )
          """,
          """
          CREATE INDEX IF NOT EXISTS jobs_by_pipeline ON jobs (pipeline, created, id)
          """,
          """
          CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs (created, id)
          """,
          """
          CREATE INDEX IF NOT EXISTS jobs_by_output_commit ON jobs (output_commit)
          """,
          """
          CREATE INDEX IF NOT EXISTS jobs_active ON jobs (state)
            WHERE state IN ('created', 'running')
          """,
          """
          CREATE TABLE IF NOT EXISTS job_inputs (
            job       {TEXT}  NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            position  INTEGER NOT NULL,
            repo      {TEXT}  NOT NULL,
            branch    {TEXT}  NOT NULL,
            commit_id {TEXT}  NOT NULL,
            PRIMARY KEY (job, position)
          )
          """,
          """
          CREATE TABLE IF NOT EXISTS datums (
            job             {TEXT}  NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            id              {TEXT}  NOT NULL,
            hash            {TEXT}  NOT NULL,
            state           {TEXT}  NOT NULL,
            tries           INTEGER NOT NULL,
            reason          {TEXT}  NOT NULL,
            inputs          {BLOB}  NOT NULL,
            produced_by_job {TEXT}  NOT NULL,
            PRIMARY KEY (job, id)
          )
          """,
          """
          CREATE TABLE IF NOT EXISTS datum_outputs (
            pipeline {TEXT} NOT NULL REFERENCES pipelines (name) ON DELETE CASCADE,
            hash     {TEXT} NOT NULL,
            job      {TEXT} NOT NULL,
            outputs  {BLOB} NOT NULL,
            PRIMARY KEY (pipeline, hash)
          )
          """,
          """
          CREATE TABLE IF NOT EXISTS datum_logs (
            seq     {SEQUENCE_KEY},
            job     {TEXT} NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            datum   {TEXT} NOT NULL,
            time    BIGINT NOT NULL,
            stream  {TEXT} NOT NULL,
            message {TEXT} NOT NULL
          )
          """,
          """
          CREATE INDEX IF NOT EXISTS datum_logs_by_job ON datum_logs (job, datum, seq)
          """);

  /** {@code STEPS.get(v)} takes a database from version v to v + 1 (from nothing, for v = 0). */
  private static final List<List<String>> STEPS = List.of(V1, V2);

  static {
    if (STEPS.size() != VERSION) {
      throw new AssertionError(
          "VERSION is " + VERSION + " but there are " + STEPS.size() + " steps");
    }
  }

  private Schema() {}

  /** Creates the tables, or upgrades them to {@link #VERSION}, in one transaction. */
  static void createOrUpgrade(SqlDatabase db) {
    Dialect dialect = db.dialect();
    int was =
        db.write(
            "open the metadata store",
            c -> {
              dialect.lockSchema(c);
              run(c, SCHEMA_VERSION_TABLE);
              Optional<Integer> found =
                  queryOne(
                      c,
                      "SELECT MAX(version) FROM schema_version",
                      rs -> {
                        int v = rs.getInt(1);
                        return rs.wasNull() ? null : v;
                      });
              int version = found.orElse(0);
              if (version > VERSION) {
                throw new PfsException(
                    ErrorCode.INTERNAL,
                    "Metadata store "
                        + db.name()
                        + " has schema version "
                        + version
                        + ", newer than this Tusk's "
                        + VERSION
                        + ": upgrade Tusk");
              }
              if (version == VERSION) {
                return version;
              }
              for (List<String> step : STEPS.subList(version, VERSION)) {
                for (String ddl : step) {
                  run(c, render(ddl, dialect));
                }
              }
              if (found.isEmpty()) {
                update(c, "INSERT INTO schema_version (version) VALUES (?)", VERSION);
              } else {
                update(c, "UPDATE schema_version SET version = ?", VERSION);
              }
              return version;
            });
    if (was != 0 && was != VERSION) {
      LOG.info("Upgraded metadata store {} from schema version {} to {}", db.name(), was, VERSION);
    }
  }

  private static String render(String ddl, Dialect dialect) {
    return ddl.replace("{TEXT}", dialect.textType())
        .replace("{BLOB}", dialect.blobType())
        .replace("{SEQUENCE_KEY}", dialect.sequenceKeyType());
  }
}
