"""`prognosis validate`: the whole chain on a synthetic cohort whose answer is known."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from test_cli_compare import run

from prognosis.cli.app import ExitCode

SLMS_PUBLISHED = {0: 89.5, 1: 63.2, 2: 39.0, 3: 10.5}  # Yamamoto 2021, Figure 3
PATIENT = "lms,1,10 mm,1000 days"  # SLMS score 0 (DFI over 2 years, small, single nodule)


@cache
def synthetic(directory: str) -> Path:
    path = Path(directory) / "synth.csv"
    code, _, err = run("synth", "20000", "--seed", "11", "-o", str(path))
    assert code == 0, err
    return path


@pytest.fixture(scope="module")
def cohort_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic(str(tmp_path_factory.mktemp("validate")))


def validate_json(*args: str) -> dict:
    code, out, err = run("validate", *args, "--format", "json")
    assert code == ExitCode.OK, err
    return json.loads(out)


def test_synthetic_cohort_recovers_every_published_slms_figure(cohort_file: Path) -> None:
    report = validate_json(str(cohort_file), "--study", "slms", "--time", "os_months",
                           "--event", "death", "--bootstrap", "30", "--seed", "1")
    assert (report["rule_set"], report["endpoint"], report["origin"]) == (
        "slms", "overall_survival", "first pulmonary metastasectomy")
    assert [g["score"] for g in report["groups"]] == [0, 1, 2, 3]
    for group in report["groups"]:
        (estimate,) = group["estimates"]
        assert estimate["horizon_months"] == 36
        assert estimate["published_percent"] == SLMS_PUBLISHED[group["score"]]
        assert estimate["published_in_ci"] is True, group
        low, high = estimate["ci"]
        assert low < estimate["observed_percent"] < high
        assert abs(estimate["observed_percent"] - estimate["published_percent"]) < 4
        assert group["median_months"]["published"] is None  # the SLMS gives no medians
    total = sum(g["n"] for g in report["groups"]) + sum(report["excluded"].values())
    assert total == 20000
    assert report["excluded"]["rejected"] == 0
    assert report["excluded"]["not_applicable"] > 0 and report["excluded"]["incomplete"] > 0
    assert report["logrank_p"] < 1e-10
    c = report["harrell_c"]
    assert 0.6 < c["value"] < 0.75 and c["ci"][0] < c["value"] < c["ci"][1]
    auc = report["auc"]
    assert (auc["horizon_months"], auc["published"]) == (36, 0.75)
    assert 0.65 < auc["value"] < 0.8 and auc["ci"][0] < auc["value"] < auc["ci"][1]
    assert set(report) >= {"rule_set", "endpoint", "origin", "excluded", "groups",
                           "logrank_p", "harrell_c", "auc"}


def test_the_bootstrap_is_reproducible_with_a_seed(cohort_file: Path) -> None:
    args = (str(cohort_file), "--study", "slms", "--time", "os_months", "--event", "death",
            "--bootstrap", "10", "--seed", "5")
    assert validate_json(*args)["harrell_c"] == validate_json(*args)["harrell_c"]


def test_group_study_reports_each_group_beside_its_figures(cohort_file: Path) -> None:
    report = validate_json(str(cohort_file), "--study", "liu-2022", "--time", "os_months",
                           "--event", "death", "--bootstrap", "0")
    assert report["origin"] == "diagnosis of pulmonary relapse"
    groups = {g["group"]: g for g in report["groups"]}
    assert list(groups) == ["metastasectomy", "no_metastasectomy"]
    published = {(k, e["horizon_months"]): e["published_percent"]
                 for k, g in groups.items() for e in g["estimates"]}
    assert published == {("metastasectomy", 24): 68.4, ("metastasectomy", 60): 41.0,
                         ("no_metastasectomy", 24): 25.0, ("no_metastasectomy", 60): 0.0}
    assert groups["metastasectomy"]["median_months"]["published"] == 24.9
    assert report["harrell_c"] is None and report["auc"] is None


def test_a_study_without_estimates_shows_observed_figures_only(cohort_file: Path) -> None:
    report = validate_json(str(cohort_file), "--study", "burkhard-meier-2025", "--time",
                           "os_months", "--event", "death")
    assert report["endpoint"] is None
    assert len(report["groups"]) == 1 and report["groups"][0]["estimates"] == []
    assert report["logrank_p"] is None


def tiny(tmp_path: Path, unit_factor: float = 1.0) -> Path:
    lines = ["histology,lung_metastasis_count,lung_metastasis_max_diameter,"
             "disease_free_interval,t,dead"]
    lines += [f"{PATIENT},{months * unit_factor:g},1" for months in (10, 20, 30, 40)]
    lines += ["osteosarcoma,,,,5,1",          # SLMS incomplete
              f"{PATIENT},-3,1",              # a negative time: rejected
              f"{PATIENT},12,maybe",          # an unreadable event: rejected
              "banana,1,,,5,1"]               # a bad patient value: rejected
    path = tmp_path / "tiny.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_kaplan_meier_by_hand(tmp_path: Path) -> None:
    """Four deaths at 10, 20, 30, 40 months: S(36) = 1/4, one at risk, median 20."""
    report = validate_json(str(tiny(tmp_path)), "--study", "slms", "--time", "t", "--event",
                           "dead", "--bootstrap", "0")
    (group,) = [g for g in report["groups"] if g["n"]]
    assert (group["score"], group["n"], group["events"]) == (0, 4, 4)
    (estimate,) = group["estimates"]
    assert estimate["observed_percent"] == 25.0
    assert estimate["at_risk"] == 1
    assert estimate["published_percent"] == 89.5
    assert estimate["published_in_ci"] is False
    assert group["median_months"]["observed"] == 20.0
    assert report["excluded"] == {"not_applicable": 0, "incomplete": 1, "rejected": 3}
    assert any("only 1 at risk at 36 months" in w for w in report["warnings"])
    empty = [g for g in report["groups"] if not g["n"]]
    assert [g["score"] for g in empty] == [1, 2, 3]
    assert all(g["estimates"][0]["observed_percent"] is None for g in empty)


def test_time_units_are_converted(tmp_path: Path) -> None:
    days = validate_json(str(tiny(tmp_path, 30.4375)), "--study", "slms", "--time", "t",
                         "--event", "dead", "--time-unit", "days", "--bootstrap", "0")
    assert days["groups"][0]["estimates"][0]["observed_percent"] == 25.0
    assert days["groups"][0]["median_months"]["observed"] == pytest.approx(20.0)


def test_table_output_names_the_endpoint_first(tmp_path: Path) -> None:
    code, out, _ = run("validate", str(tiny(tmp_path)), "--study", "slms", "--time", "t",
                       "--event", "dead", "--bootstrap", "0")
    assert code == 0
    assert out.splitlines()[0].startswith("Endpoint: overall survival from first pulmonary "
                                          "metastasectomy. Check that your time column (t, in "
                                          "months)")
    assert "Excluded: 0 not applicable, 1 incomplete, 3 rejected." in out
    assert "warning: score 0: only 1 at risk at 36 months" in out
    code, out, _ = run("validate", str(tiny(tmp_path)), "--study", "slms", "--time", "t",
                       "--event", "dead", "--bootstrap", "0", "--format", "markdown")
    assert "| score 0 | 4 | 4 | 36 mo | 25.0 |" in out


def test_plots_are_written_as_png_and_svg(tmp_path: Path) -> None:
    for name, magic in (("km.png", b"\x89PNG"), ("km.svg", b"<?xml")):
        code, _, err = run("validate", str(tiny(tmp_path)), "--study", "slms", "--time", "t",
                           "--event", "dead", "--bootstrap", "0", "--plot",
                           str(tmp_path / name))
        assert code == 0, err
        assert (tmp_path / name).read_bytes().startswith(magic)
    assert b"first pulmonary metastasectomy" in (tmp_path / "km.svg").read_bytes()


@pytest.mark.parametrize("args, message", [
    (("--time", "nope", "--event", "dead"), "no column 'nope' (from --time/--event)"),
    (("--time", "t", "--event", "dead", "--plot", "km.pdf"), "give a .png or .svg"),
    (("--time", "t", "--event", "dead", "--study", "x"), "unknown rule set 'x'"),
])
def test_bad_arguments_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    base = ("validate", str(tiny(tmp_path)))
    study = () if "--study" in args else ("--study", "slms")
    code, _, err = run(*base, *study, *args)
    assert code == ExitCode.BAD_INPUT
    assert message in err
