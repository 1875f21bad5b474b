"""A property test that runs in both passes explores its inputs in the SQLite pass with every
example it asks for, and runs a quarter of them in the PostgreSQL pass (root conftest.py,
`fewer_examples_where_sqlite_ran`); one that runs only on PostgreSQL keeps them all. These
tests count the examples Hypothesis actually ran, in whichever pass runs them."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ASKED = 40
RAN = {"both passes": [], "postgresql only": []}


def _postgres() -> bool:
    return os.environ.get("KC_TEST_DATABASE") == "postgresql"


# The mark puts the tests in both passes, as a database test is; they reach no database.
@pytest.mark.database_engine
@settings(max_examples=ASKED)
@given(st.integers())
def test_a_property_test_of_both_passes_runs(value):
    RAN["both passes"].append(value)


@pytest.mark.only_on("postgresql")
@settings(max_examples=ASKED)
@given(st.integers())
def test_a_property_test_of_the_postgresql_pass_only_runs(value):
    RAN["postgresql only"].append(value)


@pytest.mark.database_engine
def test_the_postgresql_pass_ran_a_quarter_of_the_examples_the_sqlite_pass_ran(request):
    # The module runs in order, in one process (pytest-xdist's --dist loadscope).
    every_test = request.config.getoption("--all-tests")
    scaled = _postgres() and not every_test
    assert len(RAN["both passes"]) == (ASKED // 4 if scaled else ASKED)
    assert len(RAN["postgresql only"]) == (ASKED if _postgres() or every_test else 0)
