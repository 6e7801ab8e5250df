"""`validate` and the `cohort` summary at 80 and 60 columns: no line wider than the console,
and no number, interval, study id or group name cut (rich used to cut cells with an
ellipsis: "(83.5-…", "(burkhard-meier…", "no_metastasecto…")."""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from clirun import run
from rich.console import Console

from prognosis.cli.app import App, ExitCode
from prognosis.cli.main import cli


@cache
def _synthetic(directory: str) -> Path:
    """The reviewer's cohort: `prognosis synth 5000 --seed 1`."""
    path = Path(directory) / "s5.csv"
    code, _, err = run("synth", "5000", "--seed", "1", "-o", str(path))
    assert code == ExitCode.OK, err
    return path


@pytest.fixture(scope="module")
def s5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _synthetic(str(tmp_path_factory.mktemp("narrow")))


def _assert_fits(out: str, width: int) -> None:
    lines = out.splitlines()
    assert lines
    too_wide = [line for line in lines if len(line.rstrip()) > width]
    assert too_wide == []
    assert "…" not in out


# Per study, what must appear whole: each figure with both limits of its interval on one
# line (the upper limits were cut), group names, counts.
WHOLE = {
    "slms": ("89.5 (83.5-93.3)", "1.00 (0.64-1.57)", "60.5 (56.8-64.0)",
             "1.07 (0.98-1.17)", "51.8 mo (45.4-56.9)", "9.2 (5.6-13.9)",
             "1.01 (0.96-1.05)", "(0.98-1.07)", "(0.88-1.09)", "47.0-51.7",
             "Published %: 89.5", "1442/1931", "(74.7%)", "leiomyosarcoma",
             "non-survivors)", "0.2105", "0.158"),
    "liu-2022": ("metastasectomy: n: 306", "no_metastasectomy: n: 353",
                 "O/E (95% CI): 1.11 (0.95-1.29)", "33.0 mo (27.0-37.3)"),
}


@pytest.mark.parametrize("study", list(WHOLE))
@pytest.mark.parametrize("width", [80, 60])
def test_validate_keeps_every_number_and_name_whole(s5: Path, width: int, study: str) -> None:
    code, out, err = run("validate", str(s5), "--study", study, "--time", "os_months",
                         "--event", "death", "--bootstrap", "0", width=width)
    assert code == ExitCode.OK, err
    _assert_fits(out, width)
    for whole in WHOLE[study]:
        assert whole in out, whole


def test_validate_at_100_columns_is_still_a_table(s5: Path) -> None:
    """Where the table fits, it is drawn as before (the README's example is at 100)."""
    code, out, _ = run("validate", str(s5), "--study", "slms", "--time", "os_months",
                       "--event", "death", "--bootstrap", "0", width=100)
    assert code == ExitCode.OK
    _assert_fits(out, 100)
    assert "│ score 0 │ 174 │     31 │   36 mo │" in out


def _cohort(path: Path, width: int, terminal: bool) -> str:
    out = io.StringIO()
    app = App(out=Console(file=out, width=width, force_terminal=terminal, no_color=True),
              err=Console(file=io.StringIO(), width=width, no_color=True))
    result = CliRunner().invoke(cli, ["cohort", str(path), "--quiet"], obj=app,
                                catch_exceptions=False)
    assert result.exit_code == ExitCode.OK, result.output
    return re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())  # italic, bold: not width


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "piped"])
@pytest.mark.parametrize("width", [80, 60])
def test_cohort_summary_keeps_ids_and_groups_whole(s5: Path, width: int,
                                                   terminal: bool) -> None:
    out = _cohort(s5, width, terminal)
    _assert_fits(out, width)
    for whole in ("Burkhard-Meier (burkhard-meier-2025):", "group no_metastasectomy: 353",
                  "group nonsurgical_adjuvant: 390", "group sp_alone: 109",
                  "not_applicable 3817", "score 3: 205"):
        assert whole in out, whole


def test_cohort_summary_is_a_table_on_a_wide_terminal(s5: Path) -> None:
    out = _cohort(s5, 120, terminal=True)
    _assert_fits(out, 120)
    assert "│ Burkhard-Meier (burkhard-meier-2025) │      764 │        419 │" in out
    assert "│ group nonsurgical_adjuvant: 390 │" in out


def test_column_widths_never_go_below_a_columns_longest_word() -> None:
    from prognosis.cli.fit import column_widths

    columns = ("Study", "Groups")
    rows = [("Burkhard-Meier (burkhard-meier-2025)", "group nonsurgical_adjuvant: 390")]
    # natural widths when they fit (frame: 2 columns x 3 + 1 = 7)
    assert column_widths(columns, rows, 7 + 36 + 31) == [36, 31]
    # the widest column gives room first, down to its longest word, never below
    assert column_widths(columns, rows, 7 + 50) == [25, 25]
    assert column_widths(columns, rows, 7 + 21 + 21) == [21, 21]
    assert column_widths(columns, rows, 7 + 41) is None  # a word would be cut: no table


def test_wrapped_indent_keeps_the_first_lines_own_indent() -> None:
    from prognosis.cli.wrap import Wrapped

    assert Wrapped("score 0: n: 174; Events: 31", indent=2).lines(15) == [
        "score 0: n:", "  174; Events:", "  31"]
    assert Wrapped("  Horizon: median; Published %: -", indent=4).lines(20) == [
        "  Horizon: median;", "    Published %: -"]
