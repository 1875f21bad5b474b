"""On PostgreSQL, a dashboard read from another connection while the registry job refreshes
gives the figures of the state before the job's batch or after it, never a mix. The batch
here gives three single-course patients a second course (their first course leaves the
cube for the summaries read beside it: a mixed read would count it twice) and moves three
courses to another start month. The read is checked inside the batch's open transaction,
and across the batch's commit: the commit lands between the read of the cube's cells and
the read of the summaries beside them.

SQLite serialises writers (a reader's transaction holds its snapshot), so the race needs
PostgreSQL: the test runs under `pytest --postgres`.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections

from ketamine_care.accounts.models import Membership, Role
from ketamine_care.demo.synth.run import synthesize
from ketamine_care.dosing.models import TreatmentPlan
from ketamine_care.registry import cube_delta, cube_read, services
from ketamine_care.registry.cohorts import CohortFilter
from ketamine_care.registry.cube import rebuild_cubes
from ketamine_care.registry.models import CohortCube, CourseSummary
from ketamine_care.registry.queries import build_board, cohort_figures
from ketamine_care.registry.tests.builders import copy_plans

# SQLite serialises writers, so the race cannot happen there: the SQLite pass leaves it out
# (`--all-tests` runs it, and it skips).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.only_on("postgresql")]
WAIT = 120  # seconds: a hung handshake fails the test instead of hanging it


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: this race needs PostgreSQL (pytest --postgres)")


def _board(clinic, *, use_cube: bool):
    figures = cohort_figures(clinic, CohortFilter(), full=True, use_cube=use_cube)
    assert (figures.cube_built_at is not None) == use_cube
    return build_board(CohortFilter(), dataclasses.replace(figures, cube_built_at=None), full=True)


def _without_stale(board):
    return dataclasses.replace(board, stale="")


def _change_courses(clinic) -> list[int]:
    """Second courses for three single-course patients, three courses moved by 40 days;
    the patients' summaries marked stale as the writes' signals do. Their ids."""
    singles = list(CourseSummary.objects.filter(clinic=clinic, patient_courses=1).order_by("id"))
    assert len(singles) >= 6
    for summary in singles[:3]:
        plan = summary.plan
        copy_plans(plan, [plan.patient], [{"patient": 0, "protocol_id": plan.protocol_id}])
    for summary in singles[3:6]:
        moved = summary.start_date + timedelta(days=40)
        TreatmentPlan.objects.filter(pk=summary.plan_id).update(start_date=moved)
    ids = [s.patient_id for s in singles[:6]]
    CourseSummary.objects.filter(patient_id__in=ids).update(stale=True)
    return ids


def test_a_read_during_a_refresh_batch_is_the_before_or_the_after_state(
    postgres_only, _audit_guard_lifted_for_flush
):
    clinic = synthesize(patients=60, seed=7, batch_size=30).clinic
    assert Membership.objects.filter(clinic=clinic, role=Role.MEDICAL_DIRECTOR).exists()
    rebuild_cubes()
    patients = _change_courses(clinic)
    before = _board(clinic, use_cube=False)
    assert _board(clinic, use_cube=True) == before
    inside, go, committed, errors = threading.Event(), threading.Event(), threading.Event(), []
    real_apply, real_store, real_direct = (
        cube_delta.apply_change,
        services._store,
        cube_read._direct,
    )

    def apply_then_wait(*args, **kwargs):  # the job: the cube changed, not yet committed
        real_apply(*args, **kwargs)
        inside.set()
        assert go.wait(WAIT)

    def store_then_tell(*args, **kwargs):  # the job: the batch committed
        real_store(*args, **kwargs)
        committed.set()

    def job():
        try:
            services.refresh_summaries(clinic=clinic, patients=patients, batch_size=100)
        except Exception as exc:  # reported by the test
            errors.append(repr(exc))
        finally:
            go.set()
            connections.close_all()

    def cells_then_commit(*args, **kwargs):  # the reader: cells read, summaries not yet
        go.set()
        assert committed.wait(WAIT)
        return real_direct(*args, **kwargs)

    cube_delta.apply_change, services._store = apply_then_wait, store_then_tell
    worker = threading.Thread(target=job)
    try:
        worker.start()
        assert inside.wait(WAIT), errors
        during = _board(clinic, use_cube=True)
        assert during == _board(clinic, use_cube=False)  # the committed state ...
        assert _without_stale(during) == _without_stale(before)  # ... is the one before
        cube_read._direct = cells_then_commit
        across = _board(clinic, use_cube=True)  # the batch commits in the middle of it
        cube_read._direct = real_direct
        assert committed.is_set()
        assert across == during
    finally:
        cube_delta.apply_change, services._store = real_apply, real_store
        cube_read._direct = real_direct
        go.set()
        worker.join(WAIT)
    assert errors == []
    after = _board(clinic, use_cube=False)
    assert _board(clinic, use_cube=True) == after
    assert after.courses != before.courses  # the batch changed what the page shows
    assert CohortCube.objects.get(clinic=clinic).current
