"""Two transactions race for the last vial: one wins, the other is refused, and the balance
never goes below zero.

On PostgreSQL each thread has its own connection and the two draws really overlap: the audit
write inside the transaction is slowed down so that, without the lot's row lock, both would
read the same balance and both would commit. On SQLite (one writer at a time) the draws run
one after the other; the invariant must hold all the same.
"""

from __future__ import annotations

import time
from decimal import Decimal
from functools import partial
from unittest import mock

import pytest

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.audit.services import record as real_record
from ketamine_care.inventory import services
from ketamine_care.inventory.models import LedgerEntry, Lot
from ketamine_care.inventory.services import posting
from ketamine_care.testing.inventory import make_ketamine_vials, receive
from ketamine_care.testing.races import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def _slow_record(**kwargs):
    time.sleep(0.3)  # hold the transaction open while the other draw tries
    return real_record(**kwargs)


def _draw(lot_pk: int, user_pk: int) -> str:
    lot = Lot.objects.select_related("product").get(pk=lot_pk)
    nurse = User.objects.get(pk=user_pk)
    try:
        services.draw_stock(lot=lot, actor=nurse, quantity=Decimal(1), unit="vial")
    except services.InsufficientStock:
        return "insufficient"
    return "drawn"


def test_two_draws_for_the_last_vial_one_wins(_audit_guard_lifted_for_flush):
    clinic = Clinic.objects.create(name="Race Clinic")
    admin = User.objects.create_user("admin@race.clinic", "x", full_name="Admin")
    nurses = [User.objects.create_user(f"n{i}@race.clinic", "x", full_name="N") for i in (1, 2)]
    Membership.objects.create(user=admin, clinic=clinic, role=Role.CLINIC_ADMIN)
    for nurse in nurses:
        Membership.objects.create(user=nurse, clinic=clinic, role=Role.NURSE)
    lot = receive(make_ketamine_vials(clinic=clinic, actor=admin), admin, 1, "vial")

    with mock.patch.object(posting, "record", _slow_record):
        outcomes = at_once([partial(_draw, lot.pk, nurse.pk) for nurse in nurses])

    assert sorted(outcomes) == ["drawn", "insufficient"]
    lot.refresh_from_db()
    assert lot.balance == Decimal("0")
    deltas = LedgerEntry.objects.filter(lot=lot).values_list("delta", flat=True)
    assert sum(deltas, Decimal(0)) == Decimal("0")
    assert LedgerEntry.objects.filter(lot=lot, kind="draw").count() == 1
    assert not LedgerEntry.objects.filter(balance_after__lt=0).exists()
