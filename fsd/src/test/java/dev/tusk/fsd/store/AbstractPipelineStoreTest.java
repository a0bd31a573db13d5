package dev.tusk.fsd.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link PipelineStore} backend must have. A subclass supplies a fresh, empty
 * database per test and a raw JDBC connection to it.
 */
abstract class AbstractPipelineStoreTest {
  static final Instant T0 = AbstractMetadataStoreTest.T0;

  private static final HexFormat HEX = HexFormat.of();
  private static final AtomicInteger IDS = new AtomicInteger();

  /** The version-1 tables exactly as the previous release created them; {TEXT} as in Dialect. */
  private static final List<String> VERSION_1_DDL =
      List.of(
          "CREATE TABLE schema_version (version INTEGER NOT NULL)",
          "CREATE TABLE repos (name {TEXT} NOT NULL PRIMARY KEY, created BIGINT NOT NULL,"
              + " description {TEXT} NOT NULL)",
          "CREATE TABLE branches (repo {TEXT} NOT NULL REFERENCES repos (name) ON DELETE CASCADE,"
              + " name {TEXT} NOT NULL, head {TEXT}, PRIMARY KEY (repo, name))",
          "CREATE TABLE branch_provenance (repo {TEXT} NOT NULL, branch {TEXT} NOT NULL,"
              + " position INTEGER NOT NULL, upstream_repo {TEXT} NOT NULL,"
              + " upstream_branch {TEXT} NOT NULL, PRIMARY KEY (repo, branch, position),"
              + " FOREIGN KEY (repo, branch) REFERENCES branches (repo, name) ON DELETE CASCADE)",
          "CREATE INDEX branch_provenance_by_upstream"
              + " ON branch_provenance (upstream_repo, upstream_branch)",
          "CREATE TABLE commits (id {TEXT} NOT NULL PRIMARY KEY,"
              + " repo {TEXT} NOT NULL REFERENCES repos (name) ON DELETE CASCADE,"
              + " branch {TEXT} NOT NULL, parent {TEXT},"
              + " state {TEXT} NOT NULL CHECK (state IN ('OPEN', 'FINISHED')),"
              + " started BIGINT NOT NULL, finished BIGINT, description {TEXT} NOT NULL,"
              + " tree_key {TEXT} NOT NULL, tree_hash {TEXT} NOT NULL, size_bytes BIGINT NOT NULL,"
              + " file_count BIGINT NOT NULL, commit_set {TEXT} NOT NULL)",
          "CREATE INDEX commits_by_repo ON commits (repo, started, id)",
          "CREATE INDEX commits_open ON commits (state) WHERE state = 'OPEN'",
          "CREATE TABLE commit_provenance ("
              + " commit_id {TEXT} NOT NULL REFERENCES commits (id) ON DELETE CASCADE,"
              + " position INTEGER NOT NULL, repo {TEXT} NOT NULL, branch {TEXT} NOT NULL,"
              + " upstream_commit {TEXT} NOT NULL, PRIMARY KEY (commit_id, position))",
          "INSERT INTO schema_version (version) VALUES (1)",
          "INSERT INTO repos (name, created, description) VALUES ('images', 0, 'from v1')",
          "INSERT INTO branches (repo, name, head) VALUES ('images', 'master', NULL)");

  private static final List<String> PIPELINE_TABLES =
      List.of(
          "pipelines",
          "pipeline_versions",
          "jobs",
          "job_inputs",
          "datums",
          "datum_outputs",
          "datum_logs");

  private final List<MetadataStore> opened = new ArrayList<>();
  private String url;
  protected MetadataStore metadata;
  protected PipelineStore store;

  /** The URL of a new, empty database for one test. */
  protected abstract String newDatabaseUrl() throws Exception;

  /** A plain JDBC connection to the database at {@code url}, outside any store. */
  protected abstract Connection rawConnection(String url) throws SQLException;

  protected abstract Dialect dialect();

  @BeforeEach
  void openStore() throws Exception {
    url = newDatabaseUrl();
    metadata = open(url);
    store = metadata.pipelines();
  }

  @AfterEach
  void closeStores() {
    opened.forEach(MetadataStore::close);
  }

  private MetadataStore open(String at) {
    MetadataStore another = MetadataStores.open(at);
    opened.add(another);
    return another;
  }

  // ---- pipelines ----

  @Test
  void aPutPipelineCanBeRead() {
    PipelineRecord edges = pipeline("edges", 1, "{\"v\":1}");

    store.putPipeline(edges);

    assertThat(store.getPipeline("edges")).contains(edges);
    assertThat(store.getSpec("edges", 1)).contains("{\"v\":1}");
  }

  @Test
  void aMissingPipelineIsEmpty() {
    assertThat(store.getPipeline("nope")).isEmpty();
    assertThat(store.getSpec("nope", 1)).isEmpty();
  }

  @Test
  void everyVersionIsKept() {
    store.putPipeline(pipeline("edges", 1, "{\"v\":1}"));
    PipelineRecord v2 = withVersion(pipeline("edges", 2, "{\"v\":2}"), T0.plusSeconds(10), "s2");
    store.putPipeline(v2);
    PipelineRecord v3 = withVersion(pipeline("edges", 3, "{\"v\":3}"), T0.plusSeconds(20), "s3");
    store.putPipeline(v3);

    assertThat(store.getPipeline("edges")).contains(v3);
    assertThat(store.getSpec("edges", 1)).contains("{\"v\":1}");
    assertThat(store.getSpec("edges", 2)).contains("{\"v\":2}");
    assertThat(store.getSpec("edges", 3)).contains("{\"v\":3}");
    assertThat(store.getSpec("edges", 4)).isEmpty();
  }

  @Test
  void anUpdateKeepsTheCreationTime() {
    store.putPipeline(pipeline("edges", 1, "{}"));
    PipelineRecord v2 =
        new PipelineRecord(
            "edges", 2, "{}", "running", "", T0.plusSeconds(99), T0.plusSeconds(5), "");

    store.putPipeline(v2);

    assertThat(store.getPipeline("edges").orElseThrow().created()).isEqualTo(T0);
  }

  @Test
  void puttingVersionOneOfAnExistingPipelineConflicts() {
    store.putPipeline(pipeline("edges", 1, "{\"v\":1}"));

    assertConflict(() -> store.putPipeline(pipeline("edges", 1, "{\"other\":1}")));
    assertThat(store.getSpec("edges", 1)).contains("{\"v\":1}");
  }

  @Test
  void puttingAVersionThatDoesNotFollowTheCurrentOneConflicts() {
    store.putPipeline(pipeline("edges", 1, "{}"));

    assertConflict(() -> store.putPipeline(pipeline("edges", 3, "{}")));
    assertConflict(() -> store.putPipeline(pipeline("missing", 2, "{}")));
    assertThat(store.getPipeline("edges").orElseThrow().version()).isEqualTo(1);
    assertThat(store.getSpec("edges", 3)).isEmpty();
    assertThat(store.getPipeline("missing")).isEmpty();
  }

  @Test
  void pipelinesAreListedInNameOrder() {
    store.putPipeline(pipeline("b", 1, "{}"));
    store.putPipeline(pipeline("a", 1, "{}"));
    store.putPipeline(pipeline("C", 1, "{}"));
    store.putPipeline(pipeline("a", 2, "{\"a\":2}"));

    assertThat(store.listPipelines())
        .extracting(PipelineRecord::name)
        .containsExactly("C", "a", "b");
    assertThat(store.listPipelines().get(1).specJson()).isEqualTo("{\"a\":2}");
  }

  @Test
  void settingTheStateChangesStateAndReasonOnly() {
    PipelineRecord edges = pipeline("edges", 1, "{}");
    store.putPipeline(edges);

    assertThat(store.setPipelineState("edges", "crashing", "image not found")).isTrue();

    assertThat(store.getPipeline("edges"))
        .contains(
            new PipelineRecord(
                "edges", 1, "{}", "crashing", "image not found", T0, T0, edges.salt()));
    assertThat(store.setPipelineState("missing", "stopped", "")).isFalse();
  }

  @Test
  void deletingAPipelineDeletesEverythingOfIt() throws Exception {
    populate("edges");
    populate("other");

    assertThat(store.deletePipeline("edges")).isTrue();

    assertThat(store.getPipeline("edges")).isEmpty();
    assertThat(store.getSpec("edges", 1)).isEmpty();
    assertThat(store.listJobs("edges", 0)).isEmpty();
    assertThat(store.logs("edges", null, null)).isEmpty();
    assertThat(store.storedOutputs("edges", List.of(hash("edges-0")))).isEmpty();
    try (Connection c = rawConnection(url)) {
      assertThat(count(c, "pipelines")).isEqualTo(1);
      assertThat(count(c, "pipeline_versions")).isEqualTo(2);
      assertThat(count(c, "jobs")).isEqualTo(1);
      assertThat(count(c, "job_inputs")).isEqualTo(2);
      assertThat(count(c, "datums")).isEqualTo(3);
      assertThat(count(c, "datum_outputs")).isEqualTo(2);
      assertThat(count(c, "datum_logs")).isEqualTo(2);
    }
    assertThat(store.getPipeline("other")).isPresent();
    assertThat(store.listJobs("other", 0)).hasSize(1);
  }

  @Test
  void deletingAMissingPipelineIsFalse() {
    assertThat(store.deletePipeline("missing")).isFalse();
  }

  // ---- jobs ----

  @Test
  void aCreatedJobCanBeReadWithItsInputs() {
    store.putPipeline(pipeline("edges", 1, "{}"));
    JobRecord job = job("edges", T0);

    store.createJob(job, List.of());

    assertThat(store.getJob(job.id())).contains(job);
    assertThat(store.getJob("missing")).isEmpty();
  }

  @Test
  void aJobWithoutInputsOrTimesCanBeRead() {
    store.putPipeline(pipeline("edges", 1, "{}"));
    JobRecord job = job("edges", T0).withInputs(List.of());

    store.createJob(job, List.of());

    assertThat(store.getJob(job.id())).contains(job);
  }

  @Test
  void aJobsDatumsAreListedInIdOrder() {
    store.putPipeline(pipeline("edges", 1, "{}"));
    JobRecord job = job("edges", T0);
    DatumRecord b = datum(job.id(), "b", "pending");
    DatumRecord a = datum(job.id(), "a", "skipped");
    DatumRecord c = datum(job.id(), "c", "pending");

    store.createJob(job, List.of(b, a, c));

    assertSameDatums(store.listDatums(job.id()), List.of(a, b, c));
    assertSameDatum(store.getDatum(job.id(), "b").orElseThrow(), b);
    assertThat(store.getDatum(job.id(), "z")).isEmpty();
    assertThat(store.listDatums("missing")).isEmpty();
  }

  @Test
  void creatingAJobOfAMissingPipelineConflictsAndWritesNothing() throws Exception {
    JobRecord job = job("missing", T0);

    assertConflict(() -> store.createJob(job, List.of(datum(job.id(), "a", "pending"))));

    assertThat(store.getJob(job.id())).isEmpty();
    try (Connection c = rawConnection(url)) {
      assertThat(count(c, "datums")).isZero();
    }
  }

  @Test
  void creatingAJobTwiceFailsAndKeepsTheFirst() {
    store.putPipeline(pipeline("edges", 1, "{}"));
    JobRecord job = job("edges", T0);
    store.createJob(job, List.of(datum(job.id(), "a", "pending")));

    assertThatThrownBy(
            () ->
                store.createJob(
                    job, List.of(datum(job.id(), "a", "pending"), datum(job.id(), "b", "x"))))
        .isInstanceOf(PfsException.class);

    assertThat(store.listDatums(job.id())).extracting(DatumRecord::id).containsExactly("a");
  }

  @Test
  void datumsOfAnotherJobAreRejected() {
    store.putPipeline(pipeline("edges", 1, "{}"));
    JobRecord job = job("edges", T0);

    assertThatThrownBy(() -> store.createJob(job, List.of(datum("other", "a", "pending"))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void updatingAJobReplacesItsRow() {
    store.putPipeline(pipeline("edges", 1, "{}"));
    JobRecord job = job("edges", T0);
    store.createJob(job, List.of());
    JobRecord done =
        job.withState("failure", "2 datums failed", T0.plusSeconds(1), T0.plusSeconds(9))
            .withCounts(10, 8, 0, 2);

    store.updateJob(done);

    assertThat(store.getJob(job.id())).contains(done);
  }

  @Test
  void updatingAMissingJobConflicts() {
    store.putPipeline(pipeline("edges", 1, "{}"));

    assertConflict(() -> store.updateJob(job("edges", T0)));
  }

  @Test
  void aJobIsFoundByItsOutputCommit() {
    store.putPipeline(pipeline("edges", 1, "{}"));
    JobRecord job = job("edges", T0);
    store.createJob(job, List.of());
    store.createJob(job("edges", T0), List.of());

    assertThat(store.jobByOutputCommit(job.outputCommit())).contains(job);
    assertThat(store.jobByOutputCommit("missing")).isEmpty();
  }

  @Test
  void jobsAreListedNewestFirstWithALimit() {
    store.putPipeline(pipeline("edges", 1, "{}"));
    store.putPipeline(pipeline("other", 1, "{}"));
    JobRecord first = job("edges", T0);
    JobRecord second = job("other", T0.plusSeconds(1));
    JobRecord third = job("edges", T0.plusSeconds(2));
    JobRecord fourth = job("edges", T0.plusSeconds(3));
    for (JobRecord j : List.of(third, first, fourth, second)) {
      store.createJob(j, List.of());
    }

    assertThat(store.listJobs("edges", 0)).containsExactly(fourth, third, first);
    assertThat(store.listJobs("edges", 2)).containsExactly(fourth, third);
    assertThat(store.listJobs(null, 0)).containsExactly(fourth, third, second, first);
    assertThat(store.listJobs(null, 3)).containsExactly(fourth, third, second);
    assertThat(store.listJobs("missing", 0)).isEmpty();
  }

  @Test
  void activeJobsAreTheCreatedAndRunningOnesOfEveryPipeline() {
    store.putPipeline(pipeline("edges", 1, "{}"));
    store.putPipeline(pipeline("other", 1, "{}"));
    JobRecord created = job("edges", T0);
    JobRecord running = job("other", T0.plusSeconds(1)).withState("running", "", T0, null);
    JobRecord done = job("edges", T0.plusSeconds(2)).withState("success", "", T0, T0);
    JobRecord killed = job("other", T0.plusSeconds(3)).withState("killed", "stop", T0, T0);
    for (JobRecord j : List.of(created, running, done, killed)) {
      store.createJob(j, List.of());
    }

    assertThat(store.activeJobs()).containsExactlyInAnyOrder(created, running);
  }

  // ---- datums ----

  @Test
  void recordingDatumsReplacesThemStoresOutputsAndAppendsLogs() {
    store.putPipeline(pipeline("edges", 1, "{}"));
    JobRecord job = job("edges", T0);
    DatumRecord a = datum(job.id(), "a", "pending");
    DatumRecord b = datum(job.id(), "b", "pending");
    store.createJob(job, List.of(a, b));
    DatumRecord aDone = attempt(a, "success", 1, "", job.id());
    DatumRecord bFailed = attempt(b, "failed", 3, "exit 1", "");
    byte[] outputs = bytes("outputs of a");

    store.recordDatums(
        "edges",
        List.of(aDone, bFailed),
        Map.of(a.hash(), outputs),
        List.of(
            log(job.id(), "a", T0, "stdout", "hello"),
            log(job.id(), "b", T0.plusMillis(1), "stderr", "boom")));

    assertSameDatums(store.listDatums(job.id()), List.of(aDone, bFailed));
    assertThat(store.storedOutputs("edges", List.of(a.hash(), b.hash())))
        .isEqualTo(Map.of(a.hash(), job.id()));
    assertThat(store.getOutputs("edges", a.hash()))
        .hasValueSatisfying(o -> assertThat(o).isEqualTo(outputs));
    assertThat(store.getOutputs("edges", b.hash())).isEmpty();
    assertThat(store.logs("edges", job.id(), null))
        .extracting(LogRecord::message)
        .containsExactly("hello", "boom");
  }

  @Test
  void aSkippedDatumsOutputsStayWithTheJobThatProducedThem() {
    store.putPipeline(pipeline("edges", 1, "{}"));
    JobRecord first = job("edges", T0);
    DatumRecord a = datum(first.id(), "a", "pending");
    store.createJob(first, List.of(a));
    store.recordDatums(
        "edges",
        List.of(attempt(a, "success", 1, "", first.id())),
        Map.of(a.hash(), bytes("o")),
        List.of());
    JobRecord second = job("edges", T0.plusSeconds(1));
    DatumRecord skipped =
        new DatumRecord(second.id(), a.id(), a.hash(), "skipped", 0, "", a.inputs(), first.id());

    store.createJob(second, List.of(skipped));

    assertSameDatum(store.getDatum(second.id(), a.id()).orElseThrow(), skipped);
    assertThat(store.storedOutputs("edges", List.of(a.hash())))
        .isEqualTo(Map.of(a.hash(), first.id()));
  }

  @Test
  void outputsAreKeptPerPipeline() {
    populate("edges");
    store.putPipeline(pipeline("other", 1, "{}"));

    assertThat(store.storedOutputs("other", List.of(hash("edges-0")))).isEmpty();
    assertThat(store.getOutputs("other", hash("edges-0"))).isEmpty();
    assertThat(store.getOutputs("other", Set.of(hash("edges-0")))).isEmpty();
  }

  @Test
  void recordingOutputsForAHashOfNoDatumIsRejected() {
    store.putPipeline(pipeline("edges", 1, "{}"));
    JobRecord job = job("edges", T0);
    DatumRecord a = datum(job.id(), "a", "pending");
    store.createJob(job, List.of(a));

    assertThatThrownBy(
            () ->
                store.recordDatums(
                    "edges", List.of(a), Map.of(hash("stray"), bytes("o")), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void recordingDatumsOfADeletedPipelineConflicts() {
    store.putPipeline(pipeline("edges", 1, "{}"));
    JobRecord job = job("edges", T0);
    DatumRecord a = datum(job.id(), "a", "pending");
    store.createJob(job, List.of(a));
    store.deletePipeline("edges");

    assertConflict(
        () ->
            store.recordDatums(
                "edges",
                List.of(attempt(a, "success", 1, "", job.id())),
                Map.of(a.hash(), bytes("o")),
                List.of(log(job.id(), "a", T0, "stdout", "x"))));
    assertThat(store.listDatums(job.id())).isEmpty();
  }

  @Test
  void manyHashesAreLookedUpAcrossChunks() {
    store.putPipeline(pipeline("edges", 1, "{}"));
    int n = 2 * JdbcPipelineStore.CHUNK + 17;
    JobRecord job = job("edges", T0);
    List<DatumRecord> datums = new ArrayList<>();
    Map<String, byte[]> outputs = new HashMap<>();
    List<String> asked = new ArrayList<>();
    Map<String, String> expected = new HashMap<>();
    for (int i = 0; i < n; i++) {
      DatumRecord d = attempt(datum(job.id(), "d" + i, "pending"), "success", 1, "", job.id());
      datums.add(d);
      asked.add(d.hash());
      asked.add(hash("absent-" + i));
      if (i % 3 != 0) {
        outputs.put(d.hash(), bytes("o" + i));
        expected.put(d.hash(), job.id());
      }
    }
    store.createJob(job, datums);
    store.recordDatums("edges", datums, outputs, List.of());

    assertThat(store.storedOutputs("edges", asked)).isEqualTo(expected);
    Map<String, byte[]> got = store.getOutputs("edges", Set.copyOf(asked));
    assertThat(got.keySet()).isEqualTo(expected.keySet());
    got.forEach((h, o) -> assertThat(o).isEqualTo(outputs.get(h)));
  }

  @Test
  void lookingUpNoHashesFindsNothing() {
    store.putPipeline(pipeline("edges", 1, "{}"));

    assertThat(store.storedOutputs("edges", List.of())).isEmpty();
    assertThat(store.getOutputs("edges", Set.of())).isEmpty();
  }

  // ---- logs ----

  @Test
  void logsComeByJobCreationThenInTheOrderTheyWereWritten() {
    store.putPipeline(pipeline("edges", 1, "{}"));
    JobRecord older = job("edges", T0);
    JobRecord newer = job("edges", T0.plusSeconds(1));
    store.createJob(newer, List.of(datum(newer.id(), "a", "pending")));
    store.createJob(
        older, List.of(datum(older.id(), "a", "pending"), datum(older.id(), "b", "pending")));
    // The newer job's lines are written first, and times do not decide the order.
    store.recordDatums(
        "edges", List.of(), Map.of(), List.of(log(newer.id(), "a", T0, "stdout", "n1")));
    store.recordDatums(
        "edges",
        List.of(),
        Map.of(),
        List.of(
            log(older.id(), "b", T0.plusSeconds(5), "stdout", "o1"),
            log(older.id(), "a", T0, "agent", "o2")));
    store.recordDatums(
        "edges", List.of(), Map.of(), List.of(log(older.id(), "b", T0, "stderr", "o3")));

    assertThat(store.logs("edges", null, null))
        .extracting(LogRecord::message)
        .containsExactly("o1", "o2", "o3", "n1");
    assertThat(store.logs("edges", older.id(), null))
        .extracting(LogRecord::message)
        .containsExactly("o1", "o2", "o3");
    assertThat(store.logs("edges", older.id(), "b"))
        .containsExactly(
            log(older.id(), "b", T0.plusSeconds(5), "stdout", "o1"),
            log(older.id(), "b", T0, "stderr", "o3"));
    assertThat(store.logs("edges", null, "a"))
        .extracting(LogRecord::message)
        .containsExactly("o2", "n1");
    assertThat(store.logs("other", null, null)).isEmpty();
  }

  @Test
  void aLogLineMayHoldAnyText() {
    store.putPipeline(pipeline("edges", 1, "{}"));
    JobRecord job = job("edges", T0);
    store.createJob(job, List.of(datum(job.id(), "a", "pending")));

    store.recordDatums(
        "edges", List.of(), Map.of(), List.of(log(job.id(), "a", T0, "stdout", "é 猫 a\0b")));

    assertThat(store.logs("edges", job.id(), "a"))
        .extracting(LogRecord::message)
        .containsExactly("é 猫 a\uFFFDb");
  }

  // ---- the database ----

  @Test
  void aVersionOneDatabaseIsUpgradedInPlace() throws Exception {
    closeStores();
    opened.clear();
    String old = newDatabaseUrl();
    try (Connection c = rawConnection(old);
        Statement statement = c.createStatement()) {
      for (String sql : VERSION_1_DDL) {
        statement.execute(sql.replace("{TEXT}", dialect().textType()));
      }
    }

    MetadataStore upgraded = open(old);

    assertThat(upgraded.getRepo("images"))
        .contains(new RepoRecord("images", Instant.EPOCH, "from v1"));
    assertThat(upgraded.getBranch("images", "master")).isPresent();
    PipelineStore pipelines = upgraded.pipelines();
    pipelines.putPipeline(pipeline("edges", 1, "{}"));
    assertThat(pipelines.listPipelines()).hasSize(1);
    try (Connection c = rawConnection(old)) {
      for (String table : PIPELINE_TABLES) {
        count(c, table);
      }
      assertThat(count(c, "schema_version")).isEqualTo(1);
      try (Statement statement = c.createStatement();
          ResultSet rs = statement.executeQuery("SELECT version FROM schema_version")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(2);
      }
    }
    // Reopening an upgraded database changes nothing.
    open(old).close();
    assertThat(open(old).pipelines().listPipelines()).hasSize(1);
  }

  @Test
  void pipelineAndMetadataWritesShareTheDatabase() throws Exception {
    store.putPipeline(pipeline("edges", 1, "{}"));
    JobRecord job = job("edges", T0);
    store.createJob(job, List.of());

    AbstractMetadataStoreTest.runConcurrently(
        4,
        t -> {
          for (int i = 0; i < 25; i++) {
            if (t % 2 == 0) {
              metadata.createRepo(new RepoRecord("r" + t + "-" + i, T0, ""));
            } else {
              store.recordDatums(
                  "edges",
                  List.of(),
                  Map.of(),
                  List.of(log(job.id(), "a", T0, "stdout", t + "-" + i)));
            }
          }
          return null;
        });

    assertThat(metadata.listRepos()).hasSize(50);
    assertThat(store.logs("edges", job.id(), null)).hasSize(50);
  }

  @Test
  void printsTheTimeOfBigJobsAndLookups() throws Exception {
    store.putPipeline(pipeline("edges", 1, "{}"));
    int n = 10_000;
    JobRecord job = job("edges", T0);
    List<DatumRecord> datums = new ArrayList<>(n);
    Map<String, byte[]> outputs = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      DatumRecord d = datum(job.id(), String.format("%032x", i), "pending");
      datums.add(d);
      outputs.put(d.hash(), bytes("outputs of datum " + i + " ".repeat(100)));
    }

    long start = System.nanoTime();
    store.createJob(job, datums);
    Duration create = Duration.ofNanos(System.nanoTime() - start);

    List<DatumRecord> done = new ArrayList<>(n);
    for (DatumRecord d : datums) {
      done.add(attempt(d, "success", 1, "", job.id()));
    }
    start = System.nanoTime();
    for (int from = 0; from < n; from += 50) {
      List<DatumRecord> group = done.subList(from, from + 50);
      Map<String, byte[]> groupOutputs = new HashMap<>();
      List<LogRecord> logs = new ArrayList<>();
      for (DatumRecord d : group) {
        groupOutputs.put(d.hash(), outputs.get(d.hash()));
        logs.add(log(job.id(), d.id(), T0, "stdout", "done " + d.id()));
      }
      store.recordDatums("edges", group, groupOutputs, logs);
    }
    Duration record = Duration.ofNanos(System.nanoTime() - start);

    List<String> hashes = new ArrayList<>(outputs.keySet());
    store.storedOutputs("edges", hashes); // warm up
    start = System.nanoTime();
    Map<String, String> stored = store.storedOutputs("edges", hashes);
    Duration lookup = Duration.ofNanos(System.nanoTime() - start);
    assertThat(stored).hasSize(n);

    start = System.nanoTime();
    Map<String, byte[]> got = store.getOutputs("edges", Set.copyOf(hashes));
    Duration getMany = Duration.ofNanos(System.nanoTime() - start);
    assertThat(got).hasSize(n);

    // The alternative to chunked lookups: read all of the pipeline's hashes and filter.
    start = System.nanoTime();
    Map<String, String> all = new HashMap<>();
    try (Connection c = rawConnection(url);
        var s = c.prepareStatement("SELECT hash, job FROM datum_outputs WHERE pipeline = ?")) {
      s.setString(1, "edges");
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          all.put(rs.getString(1), rs.getString(2));
        }
      }
    }
    all.keySet().retainAll(Set.copyOf(hashes));
    Duration scan = Duration.ofNanos(System.nanoTime() - start);

    System.out.printf(
        "%s pipeline store, %d datums: createJob %d ms; recordDatums in groups of 50 %d ms;"
            + " storedOutputs %d ms (chunks of %d); getOutputs %d ms;"
            + " reading all of the pipeline's hashes instead %d ms (new connection included)%n",
        dialect(),
        n,
        create.toMillis(),
        record.toMillis(),
        lookup.toMillis(),
        JdbcPipelineStore.CHUNK,
        getMany.toMillis(),
        scan.toMillis());
  }

  // ---- helpers ----

  /** One pipeline with a version, a job with two inputs, datums, outputs and logs. */
  private void populate(String name) {
    store.putPipeline(pipeline(name, 1, "{}"));
    store.putPipeline(pipeline(name, 2, "{\"v\":2}"));
    JobRecord job = job(name, T0);
    DatumRecord d0 =
        new DatumRecord(job.id(), "d0", hash(name + "-0"), "pending", 0, "", bytes("i0"), "");
    DatumRecord d1 =
        new DatumRecord(job.id(), "d1", hash(name + "-1"), "pending", 0, "", bytes("i1"), "");
    DatumRecord d2 =
        new DatumRecord(job.id(), "d2", hash(name + "-2"), "pending", 0, "", bytes("i2"), "");
    store.createJob(job, List.of(d0, d1, d2));
    store.recordDatums(
        name,
        List.of(attempt(d0, "success", 1, "", job.id()), attempt(d1, "success", 1, "", job.id())),
        Map.of(d0.hash(), bytes("o0"), d1.hash(), bytes("o1")),
        List.of(log(job.id(), "d0", T0, "stdout", "x"), log(job.id(), "d1", T0, "stdout", "y")));
  }

  static PipelineRecord pipeline(String name, long version, String spec) {
    return new PipelineRecord(name, version, spec, "running", "", T0, T0, "salt-" + name);
  }

  static PipelineRecord withVersion(PipelineRecord p, Instant updated, String salt) {
    return new PipelineRecord(
        p.name(), p.version(), p.specJson(), p.state(), p.reason(), p.created(), updated, salt);
  }

  static JobRecord job(String pipeline, Instant created) {
    return new JobRecord(
        newId(),
        pipeline,
        1,
        "created",
        "",
        created,
        null,
        null,
        List.of(
            new CommitProvenance("images", "master", newId()),
            new CommitProvenance("labels", "dev", newId())),
        pipeline,
        "master",
        newId(),
        newId(),
        0,
        0,
        0,
        0);
  }

  static DatumRecord datum(String job, String id, String state) {
    return new DatumRecord(
        job, id, hash(job + "/" + id), state, 0, "", bytes("inputs of " + id), "");
  }

  static DatumRecord attempt(
      DatumRecord d, String state, int tries, String reason, String producedBy) {
    return new DatumRecord(d.job(), d.id(), d.hash(), state, tries, reason, d.inputs(), producedBy);
  }

  static LogRecord log(String job, String datum, Instant time, String stream, String message) {
    return new LogRecord(job, datum, time, stream, message);
  }

  static String newId() {
    return hash("job-" + IDS.incrementAndGet() + "-" + System.nanoTime()).substring(0, 32);
  }

  static String hash(String seed) {
    try {
      return HEX.formatHex(
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(seed.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Datums hold a byte[], which records compare by identity. */
  static void assertSameDatum(DatumRecord actual, DatumRecord expected) {
    assertThat(actual).usingRecursiveComparison().isEqualTo(expected);
  }

  static void assertSameDatums(List<DatumRecord> actual, List<DatumRecord> expected) {
    assertThat(actual)
        .usingRecursiveFieldByFieldElementComparator()
        .containsExactlyElementsOf(expected);
  }

  static void assertConflict(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            PfsException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
  }

  static long count(Connection c, String table) throws SQLException {
    try (Statement statement = c.createStatement();
        ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
