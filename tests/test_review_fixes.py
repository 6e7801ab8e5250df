"""What a new user and an independent reader of the papers found, each pinned."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from clirun import DEMO, EXAMPLES, run, run_json

from prognosis.engine.errors import InputError
from prognosis.engine.results import Result


def test_a_lung_metastasis_of_0_mm_is_refused(make_patient: Callable[..., Any]) -> None:
    with pytest.raises(InputError, match="must be greater than 0 mm"):
        make_patient(lung_metastasis_count=3, lung_metastasis_max_diameter="0 mm")


def test_a_resection_date_means_the_primary_was_resected(
        result_for: Callable[..., Result], make_patient: Callable[..., Any]) -> None:
    p = make_patient(primary_resection_date="2023-01-01")
    assert p.values["primary_surgery"] is True
    assert p.derived["primary_surgery"] == "implied by primary_resection_date (given)"
    r = result_for("abugideiri-2022", histology="synovial_sarcoma", primary_site="extremity",
                   metastasis_timing="synchronous", primary_resection_date="2023-01-01",
                   metastasectomy=False, chemotherapy=False, radiotherapy=False)
    assert (r.status, r.conditional_on, r.group) == ("complete", (), "sp_alone")
    with pytest.raises(InputError, match="primary_resection_date is given, which implies "
                       "primary_surgery: true, but primary_surgery is false"):
        make_patient(primary_resection_date="2023-01-01", primary_surgery=False)


def test_study_ids_are_case_insensitive() -> None:
    doc = run_json("compare", str(DEMO), "--format", "json", "--study", "SLMS")
    assert [r["rule_set"] for r in doc["results"]] == ["slms"]


def test_what_if_on_id_suggests_nothing_absurd() -> None:
    code, _, err = run("compare", str(DEMO), "--what-if", "id=foo")
    assert code == 2 and "did you mean 'id'" not in err


def test_markdown_keeps_present_and_absent_marks() -> None:
    code, out, _ = run("compare", str(DEMO), "--format", "markdown")
    assert code == 0
    assert "  - \\+ >= 6 lung metastases [1 pt]" in out
    assert "  - \\- largest lesion > 2 cm (HR 5.6, p<0.001, overall survival)" in out


def test_every_figure_says_whom_it_describes() -> None:
    code, out, _ = run("compare", str(EXAMPLES / "relapsed-osteosarcoma.yaml"), "--study",
                       "liu-2022", "--format", "markdown")
    assert code == 0
    assert ("  - 2-y post-relapse survival from diagnosis of pulmonary relapse: 68.4% [the "
            "pulmonary metastasectomy + chemotherapy group]") in out


def test_explain_names_every_option_a_figure_holds_under() -> None:
    doc = run_json("explain", "-", "--format", "json", "--study", "abugideiri-2022",
                   stdin="histology: ups\nprimary_site: extremity\n"
                   "metastasis_timing: synchronous\n")
    [ncdb] = doc["rule_sets"]
    [group_5y] = [e for e in ncdb["estimates"] if e["for"] == {"group": "metastasectomy"}
                  and e["horizon_months"] == 60]
    assert group_5y["option"].count(" or ") == 2  # three options lead to this group


def test_a_study_whose_applicability_is_unknown_is_not_set_against_another() -> None:
    doc = run_json("compare", "-", "--format", "json", stdin="histology: leiomyosarcoma\n")
    assert doc["disagreements"] == []
