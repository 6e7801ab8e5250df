"""`prognosis validate` on a tiny cohort computed by hand: the CLI, its outputs and exports.

The statistics themselves are pinned in test_validation_stats.py (tiny cohorts) and
test_validate_synthetic.py (the synthetic cohort)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from clirun import run

from prognosis.cli.app import ExitCode

PATIENT = "lms,1,10 mm,1000 days"  # SLMS score 0 (DFI over 2 years, small, single nodule)


def validate_json(*args: str, expect: ExitCode = ExitCode.OK) -> dict:
    code, out, err = run("validate", *args, "--format", "json")
    assert code == expect, err
    return json.loads(out)


# tiny() has three rejected rows: validate prints its figures on the others, then exits 3.
TINY_EXIT = ExitCode.REJECTED_ROWS


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
                           "dead", "--bootstrap", "0", expect=TINY_EXIT)
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
                         "--event", "dead", "--time-unit", "days", "--bootstrap", "0",
                         expect=TINY_EXIT)
    assert days["groups"][0]["estimates"][0]["observed_percent"] == 25.0
    assert days["groups"][0]["median_months"]["observed"] == pytest.approx(20.0)


def test_table_output_names_the_endpoint_first(tmp_path: Path) -> None:
    code, out, _ = run("validate", str(tiny(tmp_path)), "--study", "slms", "--time", "t",
                       "--event", "dead", "--bootstrap", "0")
    assert code == TINY_EXIT
    assert " ".join(out.split()).startswith("Endpoint: overall survival from first pulmonary "
                                            "metastasectomy. Check that your time column (t, "
                                            "in months)")  # wrapped at the console's width
    assert "Included: 4 patients, 4 deaths. Excluded: 0 not applicable, 1 incomplete, " \
        "3 rejected." in out
    assert "Bootstrap: 0 resamples, seed 20211" in out
    assert "warning: only 4 deaths in the cohort (rule: at least 100 events" in out
    assert "warning: score 0: only 1 at risk at 36 months" in out
    code, out, _ = run("validate", str(tiny(tmp_path)), "--study", "slms", "--time", "t",
                       "--event", "dead", "--bootstrap", "0", "--format", "markdown")
    assert "| score 0 | 4 | 4 | 36 mo | 25.0 (0.9-66.5) | 1 | 89.5 | NO |" in out


def test_plots_are_written_as_png_and_svg(tmp_path: Path) -> None:
    for name, magic in (("km.png", b"\x89PNG"), ("km.svg", b"<?xml")):
        code, _, err = run("validate", str(tiny(tmp_path)), "--study", "slms", "--time", "t",
                           "--event", "dead", "--bootstrap", "0", "--plot",
                           str(tmp_path / name))
        assert code == TINY_EXIT, err
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


def test_calibration_plot_is_written_as_png_and_svg(tmp_path: Path) -> None:
    for name, magic in (("cal.png", b"\x89PNG"), ("cal.svg", b"<?xml")):
        code, _, err = run("validate", str(tiny(tmp_path)), "--study", "slms", "--time", "t",
                           "--event", "dead", "--bootstrap", "0", "--calibration-plot",
                           str(tmp_path / name))
        assert code == TINY_EXIT, err
        assert (tmp_path / name).read_bytes().startswith(magic)
    svg = (tmp_path / "cal.svg").read_text()
    assert "published survival (%)" in svg and "score 0 (n=4)" in svg
    assert "perfect calibration" in svg


TRIPOD_ITEMS = ("8a Outcome", "12g How predictions were calculated", "12e Performance measures",
                "20a Flow of participants", "20c Comparison with the development data",
                "23a Model performance", "26 Limitations", "18e-f Data and code")


def _export(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    code, _, err = run("validate", str(tiny(tmp_path)), "--study", "slms", "--time", "t",
                       "--event", "dead", "--bootstrap", "0", "--export", str(path))
    assert code == TINY_EXIT, err
    assert f"report written to {path}" in err
    return path


def test_html_export_orders_sections_by_tripod_items_and_embeds_the_plots(
        tmp_path: Path) -> None:
    page = _export(tmp_path, "report.html").read_text()
    positions = [page.index(f"item {item}") for item in TRIPOD_ITEMS]
    assert positions == sorted(positions)
    # calibration and Kaplan-Meier; one score observed, so no decision curve to draw
    assert page.count("<svg") == 2 and "Decision curve" not in page
    for text in ("seed 20211", "prognosis 0.1.0", "slms 1.0.0 (sha256 ", "Case mix",
                 "DFI &lt; 2 years", "99/135 (73.3%)"):
        assert text in page, text


def test_markdown_export_links_its_plots(tmp_path: Path) -> None:
    text = _export(tmp_path, "report.md").read_text()
    assert "![calibration plot](report.calibration.png)" in text
    assert (tmp_path / "report.calibration.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "report.km.png").exists()
    assert "*TRIPOD+AI (Collins et al., BMJ 2024;385:e078378) item 8a Outcome*" in text


def test_pdf_export(tmp_path: Path) -> None:
    assert _export(tmp_path, "report.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("args, message", [
    (("--export", "r.docx"), "--export: give a .html, .md or .pdf file name"),
    (("--calibration-plot", "c.pdf"), "--calibration-plot: give a .png or .svg file name"),
])
def test_bad_output_names_exit_2_and_write_nothing(tmp_path: Path, args: tuple[str, ...],
                                                   message: str) -> None:
    code, _, err = run("validate", str(tiny(tmp_path)), "--study", "slms", "--time", "t",
                       "--event", "dead", *args)
    assert code == ExitCode.BAD_INPUT
    assert message in err
    assert not (tmp_path / args[1]).exists()


def test_plots_and_reports_are_identical_from_run_to_run(tmp_path: Path) -> None:
    for name in ("a", "b"):
        code, _, err = run("validate", str(tiny(tmp_path)), "--study", "slms", "--time", "t",
                           "--event", "dead", "--bootstrap", "0", "--calibration-plot",
                           str(tmp_path / f"{name}.svg"), "--export",
                           str(tmp_path / f"{name}.html"))
        assert code == TINY_EXIT, err
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
    assert (tmp_path / "a.html").read_text() == (tmp_path / "b.html").read_text()


LIU_ROW = "osteosarcoma,metachronous,2,true"  # histology, timing, count, chemotherapy


def liu_cohort(tmp_path: Path) -> Path:
    """20 operated patients followed 6-120 months (every other one dies), 20 not operated
    followed 3-60 months (three in four die): a group study computed by hand."""
    lines = ["histology,metastasis_timing,lung_metastasis_count,chemotherapy,"
             "pulmonary_metastasectomy,t,dead"]
    lines += [f"{LIU_ROW},true,{6 * i},{i % 2}" for i in range(1, 21)]
    lines += [f"{LIU_ROW},false,{3 * i},{int(i % 4 != 0)}" for i in range(1, 21)]
    path = tmp_path / "liu.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_group_study_compares_its_groups_and_its_hazard_ratio(tmp_path: Path) -> None:
    from statsmodels.duration.hazard_regression import PHReg

    r = validate_json(str(liu_cohort(tmp_path)), "--study", "liu-2022", "--time", "t",
                      "--event", "dead", "--bootstrap", "0")
    assert r["origin"] == "diagnosis of pulmonary relapse"
    groups = {g["group"]: g for g in r["groups"]}
    assert {k: (g["n"], g["events"]) for k, g in groups.items()} == {
        "metastasectomy": (20, 10), "no_metastasectomy": (20, 15)}
    published = {(k, e["horizon_months"]): e["published_percent"]
                 for k, g in groups.items() for e in g["estimates"]}
    assert published == {("metastasectomy", 24): 68.4, ("metastasectomy", 60): 41.0,
                         ("no_metastasectomy", 24): 25.0, ("no_metastasectomy", 60): 0.0}
    assert groups["metastasectomy"]["median_months"]["published"] == 24.9
    assert r["auc"] is None  # Liu publishes no AUC
    # a published 0% (no operation, 5 years) is an expected risk of 1 and is clipped in
    # the calibration slope's log(-log)
    assert groups["no_metastasectomy"]["estimates"][1]["oe"]["expected_risk"] == 1.0
    assert {c["horizon_months"]: c["slope"]["clipped"] for c in r["calibration"]} == \
        {24: False, 60: True}
    (arm,) = r["hazard_ratios"]
    assert (arm["kind"], arm["id"], arm["reference"]) == ("group", "metastasectomy",
                                                          "chemotherapy alone")
    assert arm["published"][0]["hr"] == 0.185
    months = np.array([6.0 * i for i in range(1, 21)] + [3.0 * i for i in range(1, 21)])
    died = np.array([i % 2 for i in range(1, 21)] + [int(i % 4 != 0) for i in range(1, 21)])
    operated = np.array([1.0] * 20 + [0.0] * 20).reshape(-1, 1)
    fitted = PHReg(months, operated, status=died, ties="efron").fit()
    assert arm["local"]["hr"] == pytest.approx(math.exp(fitted.params[0]), rel=2e-3)
    assert (arm["local"]["n"], arm["local"]["n_exposed"]) == (40, 20)


def test_rows_with_a_bad_time_or_event_are_told_in_words_and_exit_3(tmp_path: Path) -> None:
    """Each rejected cell is named with what is wrong with it (never Python's None); the
    figures of the other rows are printed, then the exit code is 3 as for `cohort`."""
    lines = ["histology,lung_metastasis_count,lung_metastasis_max_diameter,"
             "disease_free_interval,t,dead"]
    lines += [f"{PATIENT},{months},1" for months in (10, 20, 30, 40)]
    lines += [f"{PATIENT},,", f"{PATIENT},abc,died", f"{PATIENT},7,2", f"{PATIENT},inf,1",
              f"{PATIENT},-Infinity,1", f"{PATIENT},{'9' * 400},{'x' * 70}"]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    code, out, err = run("validate", str(path), "--study", "slms", "--time", "t", "--event",
                         "dead", "--bootstrap", "0")
    assert code == ExitCode.REJECTED_ROWS == 3
    assert "Included: 4 patients, 4 deaths. Excluded: 0 not applicable, 0 incomplete, " \
        "6 rejected." in out
    assert "Calibration-in-the-large and slope" in out
    assert err.splitlines() == [
        "rejected: row 5: the time column 't' is empty; need a time >= 0",
        "rejected: row 5: the event column 'dead' is empty; need 1/0, true/false, yes/no or "
        "dead/alive",
        "rejected: row 6: the time column 't' is 'abc', not a number; need a time >= 0",
        "rejected: row 7: the event column 'dead' is '2', not an event; need 1/0, "
        "true/false, yes/no or dead/alive",
        # 'inf' reads as a number: it ended the run in lifelines (exit 70) before
        "rejected: row 8: the time column 't' is 'inf', not a finite number; need a time >= 0",
        "rejected: row 9: the time column 't' is '-Infinity', a negative time; need a time "
        ">= 0",
        # cut as every value quoted in a message is
        f"rejected: row 10: the time column 't' is '{'9' * 60}'... (400 characters), not a "
        "number; need a time >= 0",  # (pandas reads no number past a float's range)
        f"rejected: row 10: the event column 'dead' is '{'x' * 60}'... (70 characters), not "
        "an event; need 1/0, true/false, yes/no or dead/alive",
        "6 row(s) rejected; none of them is used"]


def test_swapped_time_and_event_columns_exit_3_not_0(tmp_path: Path) -> None:
    """The reviewer's run: --time and --event swapped reject almost every row. The run must
    not look successful: exit 3, with every rejected row counted and the first 20 shown."""
    lines = ["histology,lung_metastasis_count,lung_metastasis_max_diameter,"
             "disease_free_interval,t,dead"]
    lines += [f"{PATIENT},{months}.5,{months % 2}" for months in range(1, 31)]
    path = tmp_path / "swapped.csv"
    path.write_text("\n".join(lines) + "\n")
    code, out, err = run("validate", str(path), "--study", "slms", "--time", "dead",
                         "--event", "t", "--bootstrap", "0", "--format", "json")
    assert code == ExitCode.REJECTED_ROWS
    assert json.loads(out)["excluded"]["rejected"] == 30
    assert err.splitlines()[0] == ("rejected: row 1: the event column 't' is '1.5', not an "
                                   "event; need 1/0, true/false, yes/no or dead/alive")
    assert err.splitlines()[-1] == "30 row(s) rejected, the first 20 shown above; none of " \
        "them is used"
    assert len(err.splitlines()) == 21


def test_one_patient_has_figures_but_no_interval(tmp_path: Path) -> None:
    """One patient, who died at 1 month: S(36) = 0 and O/E = 1 / (1 - 0.632). Their 95% CIs
    do not exist; the output says so instead of printing 0.0-0.0 and 2.72-2.72."""
    path = tmp_path / "one.csv"
    path.write_text("histology,lung_metastasis_count,lung_metastasis_max_diameter,"
                    "disease_free_interval,t,dead\nlms,1,10 mm,300 days,1,1\n")
    args = ("validate", str(path), "--study", "slms", "--time", "t", "--event", "dead",
            "--bootstrap", "0")
    code, out, err = run(*args)
    assert code == ExitCode.OK, err
    assert "| score 1 | 1 | 1 | 36 mo | 0.0 (CI not estimable) | 0 | 63.2 | - | 2.72 (CI not " \
        "estimable) |" in run(*args, "--format", "markdown")[1]
    assert "| 36 mo | 1 | 1.000 | 0.368 | 2.72 (CI not estimable) | - |" in \
        run(*args, "--format", "markdown")[1]
    assert "CI not estimable: the Kaplan-Meier survival is 0% or 100% there" in out
    assert "2.72-2.72" not in out and "0.0-0.0" not in out and "1.0-1.0" not in out
    report = json.loads(run(*args, "--format", "json")[1])
    (estimate,) = report["groups"][1]["estimates"]
    assert (estimate["observed_percent"], estimate["ci"], estimate["published_in_ci"]) == \
        (0.0, None, None)
    assert estimate["oe"]["ratio"] == 2.7174 and estimate["oe"]["ci"] is None
    assert report["groups"][1]["median_months"] == {"observed": 1.0, "ci": None,
                                                    "published": None}


def test_a_time_too_large_for_its_unit_is_said_so(tmp_path: Path) -> None:
    """1e308 years is a number, but no number of months: 'too large', not 'not finite'."""
    lines = ["histology,lung_metastasis_count,lung_metastasis_max_diameter,"
             "disease_free_interval,t,dead"]
    lines += [f"{PATIENT},{years},1" for years in (1, 2, 3, 4)] + [f"{PATIENT},1e308,1"]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n")
    code, _, err = run("validate", str(path), "--study", "slms", "--time", "t", "--event",
                       "dead", "--time-unit", "years", "--bootstrap", "0")
    assert code == ExitCode.REJECTED_ROWS
    assert err.splitlines()[0] == ("rejected: row 5: the time column 't' is '1e308', too "
                                   "large; need a time >= 0")


def test_rows_with_a_cell_over_lines_are_said_after_the_rejections(tmp_path: Path) -> None:
    lines = ["histology,lung_metastasis_count,lung_metastasis_max_diameter,"
             "disease_free_interval,t,dead,note"]
    lines += [f'{PATIENT},{m},1,"seen\nagain"' for m in (10, 20, 30)] + [f"{PATIENT},x,1,"]
    path = tmp_path / "notes.csv"
    path.write_text("\n".join(lines) + "\n")
    code, _, err = run("validate", str(path), "--study", "slms", "--time", "t", "--event",
                       "dead", "--bootstrap", "0")
    assert code == ExitCode.REJECTED_ROWS
    said = [line for line in err.splitlines() if not line.startswith("warning: ") or
            "quoted cell" in line]
    assert said == [
        "rejected: row 4: the time column 't' is 'x', not a number; need a time >= 0",
        "1 row(s) rejected; none of them is used",
        f"warning: {path}: 3 row(s) hold a quoted cell over several lines (row 1, lines 2-3; "
        "row 2, lines 4-5; row 3, lines 6-7); if a quote was not closed where it should be, "
        "the lines up to the next quote were read into that cell: check those rows"]


@pytest.mark.parametrize(("bounds", "digits", "shown"), [
    ((0.1, 0.3), 2, "0.10-0.30"),
    ((-0.08, 0.31), 2, "-0.08 to 0.31"),  # read as "-0.08-0.31" before: a range or a sign?
    ((-1.5, -0.2), 1, "-1.5 to -0.2"),
    ((-0.001, 0.2), 2, "-0.00 to 0.20"),
    ((0.2, None), 1, "0.2-not reached"),
    (None, 1, "-")])
def test_an_interval_with_a_negative_limit_is_joined_by_to(bounds: tuple[float, float] | None,
                                                           digits: int, shown: str) -> None:
    from prognosis.cli.validation_sections import ci

    assert ci(bounds, digits) == shown


def test_an_auc_that_cannot_be_estimated_says_so() -> None:
    """A time-dependent AUC is undefined when every patient has the same risk, or no one
    died or is still followed at the horizon: its cell says "not estimable", as the
    Kaplan-Meier intervals do, never "-" (which reads as a figure left out)."""
    from prognosis.cli.validation_sections import _discrimination

    performance = [{"horizon_months": h, "n": 40, "brier": 0.2, "null_brier": 0.25,
                    "ipa": 0.2, "td_auc": auc} for h, auc in (
                        (36, None), (60, {"value": 0.61234, "ci": [0.5, 0.7]}))]
    section = _discrimination({"performance": performance, "logrank_p": None,
                               "harrell_c": None, "auc": None})
    assert [row[-1] for row in section.tables[0].rows] == ["not estimable",
                                                            "0.612 (0.500-0.700)"]
