"""Shared fixtures: the golden reference files the Rust tests read (in the repository, under
crates/tandem-core/tests/golden and crates/tandem-evaluate/tests/golden)."""
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
CORE = REPO / "crates" / "tandem-core" / "tests" / "golden"
EVALUATE = REPO / "crates" / "tandem-evaluate" / "tests" / "golden"

# The golden README's tolerances: closed forms 1e-12 relative, eigenvector-based 1e-9 absolute.
CLOSED = dict(rtol=1e-12, atol=1e-12)
EIGEN = dict(rtol=0, atol=1e-9)


def read(base, name, **kw):
    """A golden CSV (inputs/... or outputs/...)."""
    return pd.read_csv(base / name, **kw)


@pytest.fixture(scope="session")
def panel():
    """The 12-region x 20-industry x 3-year fixture."""
    return read(CORE, "inputs/panel.csv")


@pytest.fixture(scope="session")
def regions():
    return read(CORE, "inputs/regions.csv")
