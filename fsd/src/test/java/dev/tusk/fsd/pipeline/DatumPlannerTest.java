package dev.tusk.fsd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.pipeline.Datum.DatumFile;
import dev.tusk.fsd.pipeline.InputLister.Match;
import dev.tusk.fsd.pipeline.PipelineSpec.Resources;
import dev.tusk.fsd.pipeline.PipelineSpec.Transform;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DatumPlannerTest {
  private static final String C1 = "c1";

  private final FakeRepos repos =
      new FakeRepos().put("images", C1, "/a.png", "/b.png", "/dir/c.png", "/dir/sub/d.png");

  @Test
  void slashIsOneDatumOfTheWholeRepo() {
    List<Datum> datums = plan(pfs("images", "/"));

    assertThat(paths(datums)).containsExactly(List.of("images:/"));
    DatumFile root = datums.get(0).files().get(0);
    assertThat(root.directory()).isTrue();
    assertThat(root.hash()).isEqualTo("d:/");
  }

  @Test
  void starIsOneDatumPerTopLevelEntry() {
    assertThat(sortedPaths(plan(pfs("images", "/*"))))
        .containsExactly(
            List.of("images:/a.png"), List.of("images:/b.png"), List.of("images:/dir"));
  }

  @Test
  void doubleStarIsOneDatumPerFileAndDirectoryAtAnyDepthButNotTheRoot() {
    assertThat(sortedPaths(plan(pfs("images", "/**"))))
        .containsExactly(
            List.of("images:/a.png"),
            List.of("images:/b.png"),
            List.of("images:/dir"),
            List.of("images:/dir/c.png"),
            List.of("images:/dir/sub"),
            List.of("images:/dir/sub/d.png"));
  }

  @Test
  void aDirectoryGlobSplitsThatDirectory() {
    assertThat(sortedPaths(plan(pfs("images", "/dir/*"))))
        .containsExactly(List.of("images:/dir/c.png"), List.of("images:/dir/sub"));
  }

  @Test
  void datumFilesCarryTheirInputAndCommit() {
    Input.Pfs input = new Input.Pfs("pics", "images", "dev", "/a.png", "", "", false, true);

    DatumFile f = plan(input).get(0).files().get(0);

    assertThat(f)
        .isEqualTo(new DatumFile("pics", "images", "dev", C1, "/a.png", "h:/a.png", false, true));
  }

  @Test
  void crossIsTheCartesianProduct() {
    repos.put("edges", C1, "/x.png", "/y.png");
    Input cross = new Input.Cross(List.of(pfs("images", "/*.png"), pfs("edges", "/*")));

    List<Datum> datums = plan(cross);

    assertThat(sortedPaths(datums))
        .containsExactly(
            List.of("edges:/x.png", "images:/a.png"),
            List.of("edges:/x.png", "images:/b.png"),
            List.of("edges:/y.png", "images:/a.png"),
            List.of("edges:/y.png", "images:/b.png"));
  }

  @Test
  void crossWithAnEmptyInputIsEmpty() {
    repos.put("empty", C1);
    Input cross = new Input.Cross(List.of(pfs("images", "/*"), pfs("empty", "/*")));

    assertThat(plan(cross)).isEmpty();
  }

  @Test
  void unionConcatenatesAndSkipsEmptyInputs() {
    repos.put("edges", C1, "/x.png").put("empty", C1);
    Input union =
        new Input.Union(List.of(pfs("images", "/*.png"), pfs("edges", "/*"), pfs("empty", "/*")));

    assertThat(sortedPaths(plan(union)))
        .containsExactly(
            List.of("edges:/x.png"), List.of("images:/a.png"), List.of("images:/b.png"));
  }

  @Test
  void innerJoinPairsMatchingKeysAndDropsTheRest() {
    storesAndReturns();

    List<Datum> datums = plan(new Input.Join(List.of(stores(false), returns(false))));

    assertThat(sortedPaths(datums))
        .containsExactly(
            List.of("returns:/1_STOREID1.txt", "stores:/STOREID1.txt"),
            List.of("returns:/2_STOREID1.txt", "stores:/STOREID1.txt"),
            List.of("returns:/3_STOREID2.txt", "stores:/STOREID2.txt"));
  }

  @Test
  void outerJoinKeepsTheOuterInputsUnmatchedDatums() {
    storesAndReturns();

    assertThat(sortedPaths(plan(new Input.Join(List.of(stores(false), returns(true))))))
        .containsExactly(
            List.of("returns:/1_STOREID1.txt", "stores:/STOREID1.txt"),
            List.of("returns:/2_STOREID1.txt", "stores:/STOREID1.txt"),
            List.of("returns:/3_STOREID2.txt", "stores:/STOREID2.txt"),
            List.of("returns:/4_STOREID4.txt"));
    assertThat(sortedPaths(plan(new Input.Join(List.of(stores(true), returns(true))))))
        .contains(List.of("returns:/4_STOREID4.txt"), List.of("stores:/STOREID3.txt"))
        .hasSize(5);
  }

  @Test
  void anOuterJoinDatumAppearsOnceWhateverElseSharesItsKey() {
    // Key 1: two a's (outer), two b's, no c. Pachyderm crosses a x b and keeps only a's part:
    // each a datum then arises twice, and must be planned once.
    repos.put("a", C1, "/1-x", "/1-y").put("b", C1, "/1-p", "/1-q").put("c", C1, "/2-z");
    Input join =
        new Input.Join(
            List.of(
                new Input.Pfs("a", "a", "master", "/(*)-*", "$1", "", true, false),
                new Input.Pfs("b", "b", "master", "/(*)-*", "$1", "", false, false),
                new Input.Pfs("c", "c", "master", "/(*)-*", "$1", "", false, false)));

    assertThat(sortedPaths(plan(join))).containsExactly(List.of("a:/1-x"), List.of("a:/1-y"));
  }

  @Test
  void joinKeysMayCombineSeveralCaptureGroups() {
    repos.put("left", C1, "/2024/01/a.csv", "/2024/02/b.csv").put("right", C1, "/2024-02.json");
    Input join =
        new Input.Join(
            List.of(
                new Input.Pfs(
                    "left", "left", "master", "/(*)/(*)/*.csv", "$1-$2", "", false, false),
                new Input.Pfs("right", "right", "master", "/(*).json", "$1", "", false, false)));

    assertThat(sortedPaths(plan(join)))
        .containsExactly(List.of("left:/2024/02/b.csv", "right:/2024-02.json"));
  }

  @Test
  void groupPutsEveryMatchWithOneKeyInOneDatum() {
    repos
        .put("readings", C1, "/jan/STOREID1/a.txt", "/feb/STOREID1/b.txt", "/jan/STOREID2/c.txt")
        .put("stores", C1, "/STOREID1.txt", "/STOREID3.txt");
    Input group =
        new Input.Group(
            List.of(
                new Input.Pfs(
                    "readings",
                    "readings",
                    "master",
                    "/*/STOREID(*)/*.txt",
                    "",
                    "$1",
                    false,
                    false),
                new Input.Pfs(
                    "stores", "stores", "master", "/STOREID(*).txt", "", "$1", false, false)));

    assertThat(sortedPaths(plan(group)))
        .containsExactly(
            List.of(
                "readings:/feb/STOREID1/b.txt",
                "readings:/jan/STOREID1/a.txt",
                "stores:/STOREID1.txt"),
            List.of("readings:/jan/STOREID2/c.txt"),
            List.of("stores:/STOREID3.txt"));
  }

  @Test
  void nestedInputsCombine() {
    repos.put("edges", C1, "/x.png").put("models", C1, "/m1", "/m2");
    Input input =
        new Input.Cross(
            List.of(
                new Input.Union(List.of(pfs("images", "/*.png"), pfs("edges", "/*"))),
                pfs("models", "/*")));

    assertThat(plan(input)).hasSize(6);
  }

  @Test
  void theSameInputsGiveTheSameIds() {
    List<Datum> first = plan(pfs("images", "/*"));
    FakeRepos sameContentOtherCommit =
        new FakeRepos().put("images", "c2", "/a.png", "/b.png", "/dir/c.png", "/dir/sub/d.png");

    List<Datum> again =
        DatumPlanner.plan(
            spec(pfs("images", "/*")), "p", Map.of("images", "c2"), sameContentOtherCommit);

    assertThat(ids(again)).isEqualTo(ids(first));
    assertThat(first)
        .allSatisfy(
            d -> {
              assertThat(d.hash()).matches("[0-9a-f]{64}");
              assertThat(d.id()).isEqualTo(d.hash().substring(0, 32));
            });
  }

  @Test
  void otherContentGivesAnotherId() {
    Datum before = plan(pfs("images", "/a.png")).get(0);
    FakeRepos changed = new FakeRepos().put("images", C1, "/a.png=other");

    Datum after =
        DatumPlanner.plan(spec(pfs("images", "/a.png")), "p", Map.of("images", C1), changed).get(0);

    assertThat(after.id()).isNotEqualTo(before.id());
  }

  @Test
  void anotherProcessingHashGivesAnotherId() {
    Datum a = plan(pfs("images", "/a.png")).get(0);
    Datum b =
        DatumPlanner.plan(spec(pfs("images", "/a.png")), "q", Map.of("images", C1), repos).get(0);

    assertThat(b.id()).isNotEqualTo(a.id());
  }

  @Test
  void theInputNameIsPartOfTheHash() {
    Datum a = plan(pfs("images", "/a.png")).get(0);
    Input.Pfs renamed = new Input.Pfs("pics", "images", "master", "/a.png", "", "", false, false);
    Datum b = DatumPlanner.plan(spec(renamed), "p", Map.of("pics", C1), repos).get(0);

    assertThat(b.id()).isNotEqualTo(a.id());
  }

  @Test
  void thePlanIsOrderedById() {
    List<Datum> datums = plan(pfs("images", "/**"));

    assertThat(datums).isSortedAccordingTo(Comparator.comparing(Datum::id));
  }

  @Test
  void aRepeatedMatchIsPlannedOnce() {
    InputLister twice =
        (repo, commit, glob) -> List.of(new Match("/a", "h", false), new Match("/a", "h", false));

    assertThat(DatumPlanner.plan(spec(pfs("images", "/*")), "p", Map.of("images", C1), twice))
        .hasSize(1);
  }

  @Test
  void everyInputNeedsACommit() {
    assertThatThrownBy(
            () -> DatumPlanner.plan(spec(pfs("images", "/*")), "p", Map.of("other", C1), repos))
        .isInstanceOf(PfsException.class)
        .hasMessageContaining("no commit for input 'images'")
        .satisfies(
            e -> assertThat(((PfsException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
  }

  private void storesAndReturns() {
    repos
        .put("stores", C1, "/STOREID1.txt", "/STOREID2.txt", "/STOREID3.txt")
        .put(
            "returns",
            C1,
            "/1_STOREID1.txt",
            "/2_STOREID1.txt",
            "/3_STOREID2.txt",
            "/4_STOREID4.txt");
  }

  private static Input.Pfs stores(boolean outer) {
    return new Input.Pfs("stores", "stores", "master", "/STOREID(*).txt", "$1", "", outer, false);
  }

  private static Input.Pfs returns(boolean outer) {
    return new Input.Pfs(
        "returns", "returns", "master", "/*_STOREID(*).txt", "$1", "", outer, false);
  }

  private List<Datum> plan(Input input) {
    Map<String, String> commits = new java.util.HashMap<>();
    input.pfsInputs().forEach(p -> commits.put(p.name(), C1));
    return DatumPlanner.plan(spec(input), "p", commits, repos);
  }

  static Input.Pfs pfs(String repo, String glob) {
    return new Input.Pfs(repo, repo, "master", glob, "", "", false, false);
  }

  static PipelineSpec spec(Input input) {
    return new PipelineSpec(
        "out-repo",
        "",
        new Transform(List.of("true"), List.of(), Map.of(), ""),
        input,
        1,
        3,
        Resources.NONE,
        "master");
  }

  /** Each datum as "input:path" strings, in datum order. */
  private static List<List<String>> paths(List<Datum> datums) {
    List<List<String>> out = new ArrayList<>();
    for (Datum d : datums) {
      out.add(d.files().stream().map(f -> f.inputName() + ":" + f.path()).toList());
    }
    return out;
  }

  /** As {@link #paths}, with datums sorted by their file lists, for readable expectations. */
  private static List<List<String>> sortedPaths(List<Datum> datums) {
    List<List<String>> out = new ArrayList<>(paths(datums));
    out.sort(Comparator.comparing(files -> String.join("\n", files)));
    return out;
  }

  private static List<String> ids(List<Datum> datums) {
    return datums.stream().map(Datum::id).toList();
  }
}
