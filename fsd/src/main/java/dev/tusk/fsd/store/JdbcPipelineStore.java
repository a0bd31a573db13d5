package dev.tusk.fsd.store;

import static dev.tusk.fsd.store.SqlDatabase.fromMicros;
import static dev.tusk.fsd.store.SqlDatabase.instantOrNull;
import static dev.tusk.fsd.store.SqlDatabase.prepare;
import static dev.tusk.fsd.store.SqlDatabase.queryList;
import static dev.tusk.fsd.store.SqlDatabase.queryOne;
import static dev.tusk.fsd.store.SqlDatabase.toMicros;
import static dev.tusk.fsd.store.SqlDatabase.toMicrosOrNull;
import static dev.tusk.fsd.store.SqlDatabase.update;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The pipeline store on the same database, pool and writer lock as its {@link JdbcMetadataStore}
 * (through {@link SqlDatabase}), so the rules there hold here too: one transaction per write,
 * SQLite writers queued on one fair lock.
 *
 * <p>Where the volume is:
 *
 * <ul>
 *   <li>{@link #createJob} inserts a job's datums, ten thousand and more, as JDBC batches in its
 *       one transaction (on PostgreSQL rewritten into multi-row inserts).
 *   <li>{@link #recordDatums} upserts its datums, outputs and log lines as three batches.
 *   <li>{@link #storedOutputs} and {@link #getOutputs(String, Set)} look hashes up {@value #CHUNK}
 *       at a time, in one snapshot, rather than binding thousands of parameters to one statement
 *       (SQLite caps them at 32,766, PostgreSQL at 65,535).
 * </ul>
 *
 * <p>A pipeline's versions, jobs (with their inputs, datums and logs) and datum outputs hang off
 * its row by cascading foreign keys. {@link #deletePipeline} still deletes them children first, as
 * {@code deleteRepo} does, so that it locks rows in the order writers do.
 */
final class JdbcPipelineStore implements PipelineStore {
  /** Hashes per lookup statement: past a few hundred, bigger statements stop paying off. */
  static final int CHUNK = 500;

  private static final String SELECT_PIPELINES =
      """
      SELECT p.name, p.version, v.spec, p.state, p.reason, p.created, p.updated, p.salt
        FROM pipelines p
        JOIN pipeline_versions v ON v.name = p.name AND v.version = p.version
      """;

  private static final String JOB_COLUMNS =
      """
      j.id, j.pipeline, j.pipeline_version, j.state, j.reason, j.created, j.started, j.finished,
      j.output_repo, j.output_branch, j.output_commit, j.commit_set, j.datums_total,
      j.datums_processed, j.datums_skipped, j.datums_failed,
      i.repo AS input_repo, i.branch AS input_branch, i.commit_id AS input_commit
      """;

  private static final String INSERT_JOB =
      """
      INSERT INTO jobs (id, pipeline, pipeline_version, state, reason, created, started, finished,
                        output_repo, output_branch, output_commit, commit_set, datums_total,
                        datums_processed, datums_skipped, datums_failed)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """;

  private static final String INSERT_DATUM =
      """
      INSERT INTO datums (job, id, hash, state, tries, reason, inputs, produced_by_job)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      """;

  private static final String UPSERT_DATUM =
      INSERT_DATUM
          + """
          ON CONFLICT (job, id) DO UPDATE
             SET hash = excluded.hash, state = excluded.state, tries = excluded.tries,
                 reason = excluded.reason, inputs = excluded.inputs,
                 produced_by_job = excluded.produced_by_job
          """;

  private static final String UPSERT_OUTPUTS =
      """
      INSERT INTO datum_outputs (pipeline, hash, job, outputs) VALUES (?, ?, ?, ?)
      ON CONFLICT (pipeline, hash) DO UPDATE SET job = excluded.job, outputs = excluded.outputs
      """;

  private static final String INSERT_LOG =
      """
      INSERT INTO datum_logs (job, datum, time, stream, message) VALUES (?, ?, ?, ?, ?)
      """;

  private static final String SELECT_DATUMS =
      """
      SELECT job, id, hash, state, tries, reason, inputs, produced_by_job FROM datums
      """;

  private final SqlDatabase db;

  JdbcPipelineStore(SqlDatabase db) {
    this.db = db;
  }

  // ---- pipelines ----

  /**
   * {@inheritDoc}
   *
   * <p>Compare-and-set on the version: version 1 only if the pipeline does not exist, version n+1
   * only if its current version is n; otherwise CONFLICT, and nothing changed. An update keeps the
   * stored creation time.
   */
  @Override
  public void putPipeline(PipelineRecord pipeline) {
    if (pipeline.version() < 1) {
      throw new IllegalArgumentException(
          "Pipeline '" + pipeline.name() + "' has version " + pipeline.version() + ", not >= 1");
    }
    db.write(
        "put pipeline '" + pipeline.name() + "' version " + pipeline.version(),
        c -> {
          int written;
          if (pipeline.version() == 1) {
            written =
                update(
                    c,
                    """
                    INSERT INTO pipelines (name, version, state, reason, salt, created, updated)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (name) DO NOTHING
                    """,
                    pipeline.name(),
                    pipeline.version(),
                    pipeline.state(),
                    pipeline.reason(),
                    pipeline.salt(),
                    toMicros(pipeline.created()),
                    toMicros(pipeline.updated()));
          } else {
            written =
                update(
                    c,
                    """
                    UPDATE pipelines
                       SET version = ?, state = ?, reason = ?, salt = ?, updated = ?
                     WHERE name = ? AND version = ?
                    """,
                    pipeline.version(),
                    pipeline.state(),
                    pipeline.reason(),
                    pipeline.salt(),
                    toMicros(pipeline.updated()),
                    pipeline.name(),
                    pipeline.version() - 1);
          }
          if (written == 0) {
            Optional<Long> current =
                queryOne(
                    c,
                    "SELECT version FROM pipelines WHERE name = ?",
                    rs -> rs.getLong(1),
                    pipeline.name());
            throw new PfsException(
                ErrorCode.CONFLICT,
                "Cannot put pipeline '"
                    + pipeline.name()
                    + "' version "
                    + pipeline.version()
                    + ": "
                    + current
                        .map(v -> "its current version is " + v)
                        .orElse("it does not exist (deleted meanwhile?)"));
          }
          update(
              c,
              "INSERT INTO pipeline_versions (name, version, spec, created) VALUES (?, ?, ?, ?)",
              pipeline.name(),
              pipeline.version(),
              pipeline.specJson(),
              toMicros(pipeline.updated()));
          return null;
        });
  }

  @Override
  public Optional<PipelineRecord> getPipeline(String name) {
    return db.read(
        "get pipeline '" + name + "'",
        c ->
            queryOne(c, SELECT_PIPELINES + " WHERE p.name = ?", JdbcPipelineStore::pipeline, name));
  }

  @Override
  public Optional<String> getSpec(String name, long version) {
    return db.read(
        "get pipeline '" + name + "' version " + version,
        c ->
            queryOne(
                c,
                "SELECT spec FROM pipeline_versions WHERE name = ? AND version = ?",
                rs -> rs.getString(1),
                name,
                version));
  }

  @Override
  public List<PipelineRecord> listPipelines() {
    return db.read(
        "list pipelines",
        c -> queryList(c, SELECT_PIPELINES + " ORDER BY p.name", JdbcPipelineStore::pipeline));
  }

  @Override
  public boolean setPipelineState(String name, String state, String reason) {
    return db.write(
        "set the state of pipeline '" + name + "'",
        c ->
            update(
                    c,
                    "UPDATE pipelines SET state = ?, reason = ? WHERE name = ?",
                    state,
                    reason == null ? "" : reason,
                    name)
                == 1);
  }

  @Override
  public boolean deletePipeline(String name) {
    return db.write(
        "delete pipeline '" + name + "'",
        c -> {
          String jobsOf = "(SELECT id FROM jobs WHERE pipeline = ?)";
          update(c, "DELETE FROM datum_logs WHERE job IN " + jobsOf, name);
          update(c, "DELETE FROM datums WHERE job IN " + jobsOf, name);
          update(c, "DELETE FROM job_inputs WHERE job IN " + jobsOf, name);
          update(c, "DELETE FROM jobs WHERE pipeline = ?", name);
          update(c, "DELETE FROM datum_outputs WHERE pipeline = ?", name);
          update(c, "DELETE FROM pipeline_versions WHERE name = ?", name);
          return update(c, "DELETE FROM pipelines WHERE name = ?", name) == 1;
        });
  }

  // ---- jobs ----

  @Override
  public void createJob(JobRecord job, List<DatumRecord> datums) {
    for (DatumRecord d : datums) {
      if (!d.job().equals(job.id())) {
        throw new IllegalArgumentException(
            "Datum " + d.id() + " belongs to job " + d.job() + ", not " + job.id());
      }
    }
    db.write(
        "create job " + job.pipeline() + "@" + job.id(),
        c -> {
          try {
            update(
                c,
                INSERT_JOB,
                job.id(),
                job.pipeline(),
                job.pipelineVersion(),
                job.state(),
                job.reason(),
                toMicros(job.created()),
                toMicrosOrNull(job.started()),
                toMicrosOrNull(job.finished()),
                job.outputRepo(),
                job.outputBranch(),
                job.outputCommit(),
                job.commitSet(),
                job.datumsTotal(),
                job.datumsProcessed(),
                job.datumsSkipped(),
                job.datumsFailed());
          } catch (SQLException e) {
            if (db.dialect().isForeignKeyViolation(e)) {
              throw pipelineGone("create job " + job.id(), job.pipeline(), e);
            }
            throw e;
          }
          try (PreparedStatement s =
              c.prepareStatement(
                  """
                  INSERT INTO job_inputs (job, position, repo, branch, commit_id)
                  VALUES (?, ?, ?, ?, ?)
                  """)) {
            List<CommitProvenance> inputs = job.inputs();
            for (int i = 0; i < inputs.size(); i++) {
              CommitProvenance input = inputs.get(i);
              s.setString(1, job.id());
              s.setInt(2, i);
              s.setString(3, input.repo());
              s.setString(4, input.branch());
              s.setString(5, input.id());
              s.addBatch();
            }
            s.executeBatch();
          }
          batchDatums(c, INSERT_DATUM, datums);
          return null;
        });
  }

  @Override
  public void updateJob(JobRecord job) {
    db.write(
        "update job " + job.pipeline() + "@" + job.id(),
        c -> {
          int updated =
              update(
                  c,
                  """
                  UPDATE jobs
                     SET pipeline_version = ?, state = ?, reason = ?, created = ?, started = ?,
                         finished = ?, output_repo = ?, output_branch = ?, output_commit = ?,
                         commit_set = ?, datums_total = ?, datums_processed = ?,
                         datums_skipped = ?, datums_failed = ?
                   WHERE id = ? AND pipeline = ?
                  """,
                  job.pipelineVersion(),
                  job.state(),
                  job.reason(),
                  toMicros(job.created()),
                  toMicrosOrNull(job.started()),
                  toMicrosOrNull(job.finished()),
                  job.outputRepo(),
                  job.outputBranch(),
                  job.outputCommit(),
                  job.commitSet(),
                  job.datumsTotal(),
                  job.datumsProcessed(),
                  job.datumsSkipped(),
                  job.datumsFailed(),
                  job.id(),
                  job.pipeline());
          if (updated == 0) {
            // Jobs go only with their pipeline.
            throw pipelineGone("update job " + job.id(), job.pipeline(), null);
          }
          return null;
        });
  }

  @Override
  public Optional<JobRecord> getJob(String id) {
    return db.read(
        "get job " + id,
        c ->
            queryJobs(
                    c,
                    "SELECT "
                        + JOB_COLUMNS
                        + " FROM jobs j LEFT JOIN job_inputs i ON i.job = j.id"
                        + " WHERE j.id = ? ORDER BY i.position",
                    id)
                .stream()
                .findFirst());
  }

  @Override
  public Optional<JobRecord> jobByOutputCommit(String commitId) {
    return db.read(
        "get the job of output commit " + commitId,
        c ->
            queryJobs(
                    c,
                    "SELECT "
                        + JOB_COLUMNS
                        + " FROM jobs j LEFT JOIN job_inputs i ON i.job = j.id"
                        + " WHERE j.output_commit = ? ORDER BY j.created, j.id, i.position",
                    commitId)
                .stream()
                .findFirst());
  }

  @Override
  public List<JobRecord> listJobs(String pipeline, long limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit " + limit + " < 0");
    }
    // The limit counts jobs, not joined rows, so it applies in a subquery.
    StringBuilder jobs = new StringBuilder("SELECT * FROM jobs");
    List<Object> params = new ArrayList<>();
    if (pipeline != null) {
      jobs.append(" WHERE pipeline = ?");
      params.add(pipeline);
    }
    jobs.append(" ORDER BY created DESC, id DESC");
    if (limit > 0) {
      jobs.append(" LIMIT ?");
      params.add(limit);
    }
    String sql =
        "SELECT "
            + JOB_COLUMNS
            + " FROM ("
            + jobs
            + ") j LEFT JOIN job_inputs i ON i.job = j.id"
            + " ORDER BY j.created DESC, j.id DESC, i.position";
    return db.read(
        pipeline == null ? "list jobs" : "list jobs of pipeline '" + pipeline + "'",
        c -> queryJobs(c, sql, params.toArray()));
  }

  @Override
  public List<JobRecord> activeJobs() {
    return db.read(
        "list active jobs",
        c ->
            queryJobs(
                c,
                "SELECT "
                    + JOB_COLUMNS
                    + " FROM jobs j LEFT JOIN job_inputs i ON i.job = j.id"
                    + " WHERE j.state IN ('created', 'running')"
                    + " ORDER BY j.created, j.id, i.position"));
  }

  // ---- datums ----

  @Override
  public List<DatumRecord> listDatums(String job) {
    return db.read(
        "list datums of job " + job,
        c ->
            queryList(
                c, SELECT_DATUMS + " WHERE job = ? ORDER BY id", JdbcPipelineStore::datum, job));
  }

  @Override
  public Optional<DatumRecord> getDatum(String job, String id) {
    return db.read(
        "get datum " + job + "/" + id,
        c ->
            queryOne(
                c, SELECT_DATUMS + " WHERE job = ? AND id = ?", JdbcPipelineStore::datum, job, id));
  }

  @Override
  public void recordDatums(
      String pipeline,
      List<DatumRecord> datums,
      Map<String, byte[]> outputsByHash,
      List<LogRecord> logs) {
    // Outputs are stored under the job that produced them.
    Map<String, String> jobByHash = new HashMap<>();
    for (DatumRecord d : datums) {
      jobByHash.put(d.hash(), d.producedByJob().isEmpty() ? d.job() : d.producedByJob());
    }
    for (String hash : outputsByHash.keySet()) {
      if (!jobByHash.containsKey(hash)) {
        throw new IllegalArgumentException(
            "Outputs for hash "
                + hash
                + " of pipeline '"
                + pipeline
                + "' match none of the datums");
      }
    }
    if (datums.isEmpty() && logs.isEmpty()) {
      return;
    }
    db.write(
        "record " + datums.size() + " datums of pipeline '" + pipeline + "'",
        c -> {
          try {
            batchDatums(c, UPSERT_DATUM, datums);
            try (PreparedStatement s = c.prepareStatement(UPSERT_OUTPUTS)) {
              for (Map.Entry<String, byte[]> e : outputsByHash.entrySet()) {
                s.setString(1, pipeline);
                s.setString(2, e.getKey());
                s.setString(3, jobByHash.get(e.getKey()));
                s.setBytes(4, e.getValue());
                s.addBatch();
              }
              s.executeBatch();
            }
            try (PreparedStatement s = c.prepareStatement(INSERT_LOG)) {
              for (LogRecord log : logs) {
                s.setString(1, log.job());
                s.setString(2, log.datum());
                s.setLong(3, toMicros(log.time()));
                s.setString(4, log.stream());
                s.setString(5, text(log.message()));
                s.addBatch();
              }
              s.executeBatch();
            }
          } catch (SQLException e) {
            if (isForeignKeyViolation(e)) {
              throw pipelineGone("record datums", pipeline, e);
            }
            throw e;
          }
          return null;
        });
  }

  @Override
  public Map<String, String> storedOutputs(String pipeline, Collection<String> hashes) {
    List<String> distinct = List.copyOf(new LinkedHashSet<>(hashes));
    if (distinct.isEmpty()) {
      return Map.of();
    }
    Map<String, String> found = new HashMap<>();
    lookUp(
        "look up " + distinct.size() + " datum hashes of pipeline '" + pipeline + "'",
        "SELECT hash, job FROM datum_outputs",
        pipeline,
        distinct,
        rs -> found.put(rs.getString(1), rs.getString(2)));
    return found;
  }

  @Override
  public Optional<byte[]> getOutputs(String pipeline, String hash) {
    return db.read(
        "get the outputs of datum hash " + hash + " of pipeline '" + pipeline + "'",
        c ->
            queryOne(
                c,
                "SELECT outputs FROM datum_outputs WHERE pipeline = ? AND hash = ?",
                rs -> rs.getBytes(1),
                pipeline,
                hash));
  }

  @Override
  public Map<String, byte[]> getOutputs(String pipeline, Set<String> hashes) {
    if (hashes.isEmpty()) {
      return Map.of();
    }
    Map<String, byte[]> found = new HashMap<>();
    lookUp(
        "get the outputs of " + hashes.size() + " datum hashes of pipeline '" + pipeline + "'",
        "SELECT hash, outputs FROM datum_outputs",
        pipeline,
        List.copyOf(hashes),
        rs -> found.put(rs.getString(1), rs.getBytes(2)));
    return found;
  }

  // ---- logs ----

  @Override
  public List<LogRecord> logs(String pipeline, String job, String datum) {
    StringBuilder sql =
        new StringBuilder(
            """
            SELECT l.job, l.datum, l.time, l.stream, l.message
              FROM datum_logs l
              JOIN jobs j ON j.id = l.job
             WHERE j.pipeline = ?
            """);
    List<Object> params = new ArrayList<>(List.of(pipeline));
    if (job != null) {
      sql.append(" AND l.job = ?");
      params.add(job);
    }
    if (datum != null) {
      sql.append(" AND l.datum = ?");
      params.add(datum);
    }
    sql.append(" ORDER BY j.created, j.id, l.seq");
    return db.read(
        "read the logs of pipeline '" + pipeline + "'",
        c ->
            queryList(
                c,
                sql.toString(),
                rs ->
                    new LogRecord(
                        rs.getString(1),
                        rs.getString(2),
                        fromMicros(rs.getLong(3)),
                        rs.getString(4),
                        rs.getString(5)),
                params.toArray()));
  }

  @Override
  public String toString() {
    return "JdbcPipelineStore[" + db.name() + "]";
  }

  // ---- helpers ----

  /** Consumes a row. */
  @FunctionalInterface
  private interface RowConsumer {
    void accept(ResultSet rs) throws SQLException;
  }

  /**
   * Runs {@code select} (which names datum_outputs without a WHERE) for {@code hashes} of {@code
   * pipeline}, {@link #CHUNK} at a time, in one snapshot.
   */
  private void lookUp(
      String what, String select, String pipeline, List<String> hashes, RowConsumer consumer) {
    db.readSnapshot(
        what,
        c -> {
          String fullChunk = null;
          for (int from = 0; from < hashes.size(); from += CHUNK) {
            List<String> chunk = hashes.subList(from, Math.min(hashes.size(), from + CHUNK));
            String sql;
            if (chunk.size() == CHUNK && fullChunk != null) {
              sql = fullChunk;
            } else {
              sql = select + " WHERE pipeline = ? AND hash IN (" + placeholders(chunk.size()) + ")";
              if (chunk.size() == CHUNK) {
                fullChunk = sql;
              }
            }
            try (PreparedStatement s = c.prepareStatement(sql)) {
              s.setString(1, pipeline);
              for (int i = 0; i < chunk.size(); i++) {
                s.setString(i + 2, chunk.get(i));
              }
              try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                  consumer.accept(rs);
                }
              }
            }
          }
          return null;
        });
  }

  private static String placeholders(int n) {
    StringBuilder sb = new StringBuilder(n * 2);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "?" : ",?");
    }
    return sb.toString();
  }

  private static void batchDatums(Connection c, String sql, List<DatumRecord> datums)
      throws SQLException {
    if (datums.isEmpty()) {
      return;
    }
    try (PreparedStatement s = c.prepareStatement(sql)) {
      for (DatumRecord d : datums) {
        s.setString(1, d.job());
        s.setString(2, d.id());
        s.setString(3, d.hash());
        s.setString(4, d.state());
        s.setInt(5, d.tries());
        s.setString(6, d.reason());
        s.setBytes(7, d.inputs());
        s.setString(8, d.producedByJob());
        s.addBatch();
      }
      s.executeBatch();
    }
  }

  private boolean isForeignKeyViolation(SQLException e) {
    // A failed batch reports the statement's error as its cause or next exception.
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s
          && (db.dialect().isForeignKeyViolation(s)
              || (s.getNextException() != null
                  && db.dialect().isForeignKeyViolation(s.getNextException())))) {
        return true;
      }
    }
    return false;
  }

  private static PfsException pipelineGone(String what, String pipeline, Throwable cause) {
    return new PfsException(
        ErrorCode.CONFLICT,
        "Cannot " + what + ": pipeline '" + pipeline + "' or its job does not exist (deleted?)",
        cause);
  }

  /** PostgreSQL text cannot hold NUL, which a program's output may contain. */
  private static String text(String s) {
    return s.indexOf('\0') < 0 ? s : s.replace('\0', '\uFFFD');
  }

  private static PipelineRecord pipeline(ResultSet rs) throws SQLException {
    return new PipelineRecord(
        rs.getString("name"),
        rs.getLong("version"),
        rs.getString("spec"),
        rs.getString("state"),
        rs.getString("reason"),
        fromMicros(rs.getLong("created")),
        fromMicros(rs.getLong("updated")),
        rs.getString("salt"));
  }

  private static DatumRecord datum(ResultSet rs) throws SQLException {
    return new DatumRecord(
        rs.getString("job"),
        rs.getString("id"),
        rs.getString("hash"),
        rs.getString("state"),
        rs.getInt("tries"),
        rs.getString("reason"),
        rs.getBytes("inputs"),
        rs.getString("produced_by_job"));
  }

  /** Jobs joined with their inputs, each job's rows adjacent and in position order. */
  private static List<JobRecord> queryJobs(Connection c, String sql, Object... params)
      throws SQLException {
    List<JobRecord> jobs = new ArrayList<>();
    try (PreparedStatement statement = prepare(c, sql, params);
        ResultSet rs = statement.executeQuery()) {
      JobRecord current = null;
      List<CommitProvenance> inputs = new ArrayList<>();
      while (rs.next()) {
        String id = rs.getString("id");
        if (current == null || !current.id().equals(id)) {
          if (current != null) {
            jobs.add(current.withInputs(inputs));
            inputs = new ArrayList<>();
          }
          current = jobWithoutInputs(rs);
        }
        String commit = rs.getString("input_commit");
        if (commit != null) {
          inputs.add(
              new CommitProvenance(
                  rs.getString("input_repo"), rs.getString("input_branch"), commit));
        }
      }
      if (current != null) {
        jobs.add(current.withInputs(inputs));
      }
    }
    return jobs;
  }

  private static JobRecord jobWithoutInputs(ResultSet rs) throws SQLException {
    return new JobRecord(
        rs.getString("id"),
        rs.getString("pipeline"),
        rs.getLong("pipeline_version"),
        rs.getString("state"),
        rs.getString("reason"),
        fromMicros(rs.getLong("created")),
        instantOrNull(rs, "started"),
        instantOrNull(rs, "finished"),
        List.of(),
        rs.getString("output_repo"),
        rs.getString("output_branch"),
        rs.getString("output_commit"),
        rs.getString("commit_set"),
        rs.getLong("datums_total"),
        rs.getLong("datums_processed"),
        rs.getLong("datums_skipped"),
        rs.getLong("datums_failed"));
  }
}
