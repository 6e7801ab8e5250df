import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/helpers.py


@pytest.fixture(autouse=True, scope="session")
def _private_rule_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never read or write the user's rule cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("PROGNOSIS_CACHE_DIR", str(tmp_path_factory.mktemp("rule-cache")))
    yield
    mp.undo()
