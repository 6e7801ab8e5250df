"""The DataFrame API: pure, picklable, the same under Dask on two worker processes."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pandas as pd
import pyarrow.csv as pcsv
import pytest
from test_cli_compare import run

from prognosis.engine.cohort.frame import score_frame
from prognosis.engine.errors import InputError


@pytest.fixture(scope="module")
def frame(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("frame") / "s.csv"
    code, _, err = run("synth", "2000", "--seed", "3", "-o", str(path))
    assert code == 0, err
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def test_the_columns_are_those_of_the_csv_output(frame: pd.DataFrame, tmp_path: Path) -> None:
    scored = score_frame(frame, keep=["os_months"])
    frame.to_csv(tmp_path / "in.csv", index=False)
    code, _, err = run("cohort", str(tmp_path / "in.csv"), "-o", str(tmp_path / "out.csv"),
                       "--keep", "os_months", "--workers", "1", "-q")
    assert code == 0, err
    written = pcsv.read_csv(tmp_path / "out.csv").to_pandas()
    assert list(scored.columns) == list(written.columns)
    assert scored["slms.score"].dtype == "Int64"
    assert [None if pd.isna(v) else int(v) for v in scored["slms.score"]] == \
        [None if pd.isna(v) else int(v) for v in written["slms.score"]]
    assert scored["row"].tolist() == list(range(1, 2001))


def test_score_frame_pickles_by_reference() -> None:
    assert pickle.loads(pickle.dumps(score_frame)) is score_frame


def test_a_bad_row_raises_unless_skipped() -> None:
    bad = pd.DataFrame({"histology": ["lms", "banana"], "lung_metastasis_count": ["2", "1"]})
    with pytest.raises(InputError, match="row 2: 'banana' is not allowed"):
        score_frame(bad)
    with pytest.warns(UserWarning, match="1 row"):
        kept = score_frame(bad, errors="skip")
    assert kept["row"].tolist() == [1]
    assert kept.attrs["rejections"][0]["field"] == "histology"
    # pandas deep-copies attrs in most operations: the rejections are shared, not copied
    assert copy.deepcopy(kept.attrs)["rejections"] is kept.attrs["rejections"]
    assert (kept.assign(x=1)).attrs["rejections"] is kept.attrs["rejections"]
    assert pickle.loads(pickle.dumps(kept)).attrs["rejections"] == kept.attrs["rejections"]


def test_dask_on_two_worker_processes_gives_the_single_process_answer(
        frame: pd.DataFrame) -> None:
    dd = pytest.importorskip("dask.dataframe")
    from dask.distributed import Client, LocalCluster

    single = score_frame(frame)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        ddf = dd.from_pandas(frame, npartitions=4)
        assert ddf.npartitions >= 2
        distributed = ddf.map_partitions(score_frame, meta=score_frame(ddf._meta)).compute()
    pd.testing.assert_frame_equal(distributed, single)
