from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SMALL = Path(__file__).resolve().parent / "data" / "small.yaml"


@pytest.fixture
def small_path() -> Path:
    return SMALL


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long-running test (still part of make test)")
    config.addinivalue_line("markers", "ui: browser test of the UI (make test-fast skips it)")
