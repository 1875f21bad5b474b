"""DATABASE_REPLICA_URL (issue 12 item 8): read-only reports (the audit trail page) read from
the replica through a database router; every write, the report's own audit record included,
and every other read go to the primary; without a replica nothing changes."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import DEFAULT_DB_ALIAS

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core import db_routing
from ketamine_care.core.db_routing import REPLICA, ReplicaRouter, replica_reads
from ketamine_care.testing.migrated import migrated_sqlite_file
from tests.test_settings_and_deploy import run_cli


def _primary(*, in_transaction: bool = False):
    connection = mock.Mock(in_atomic_block=in_transaction)
    return mock.patch.object(db_routing, "connections", {DEFAULT_DB_ALIAS: connection})


def _with_replica():
    return mock.patch.object(db_routing, "has_replica", return_value=True)


def test_only_reads_asked_for_use_the_replica_and_writes_never_do():
    router = ReplicaRouter()
    with _primary(), _with_replica():
        assert router.db_for_read(AuditEvent) is None  # not a report: the primary
        with replica_reads():
            assert router.db_for_read(AuditEvent) == REPLICA
            assert router.db_for_write(AuditEvent) == DEFAULT_DB_ALIAS
        assert router.db_for_read(AuditEvent) is None
    assert router.allow_migrate(REPLICA, "audit") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "audit") is None


def test_a_read_inside_a_write_transaction_stays_on_the_primary():
    with _primary(in_transaction=True), _with_replica(), replica_reads():
        assert ReplicaRouter().db_for_read(AuditEvent) == DEFAULT_DB_ALIAS


def test_without_a_replica_nothing_changes():
    router = ReplicaRouter()
    with _primary(), replica_reads():
        assert not db_routing.has_replica()
        assert router.db_for_read(AuditEvent) is None


REPORT_ON_A_STALE_REPLICA = """
import os, sqlite3
from django.core.management import call_command
from django.db import connections, transaction
from django.test import Client
from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.audit.models import AuditEvent
from ketamine_care.audit.services import record

primary, replica = os.environ["TEST_PRIMARY_FILE"], os.environ["TEST_REPLICA_FILE"]
call_command("migrate", verbosity=0)
clinic = Clinic.objects.create(name="Replica Clinic")
admin = User.objects.create_user("admin@replica.clinic", "a long password 2026", full_name="Ada")
Membership.objects.create(user=admin, clinic=clinic, role=Role.CLINIC_ADMIN)
with transaction.atomic():
    record(event_type="audit.test_on_both", actor=admin, clinic=clinic, obj=clinic)
connections.close_all()
source, target = sqlite3.connect(primary), sqlite3.connect(replica)
source.backup(target)  # the replica as of now
source.close(), target.close()
with transaction.atomic():  # not yet on the replica
    record(event_type="audit.test_primary_only", actor=admin, clinic=clinic, obj=clinic)
client = Client()
client.force_login(admin)  # a session on the primary only: the sign-in check reads there
page = client.get("/audit/")
html = page.content.decode()
print("status", page.status_code)
print("on_both", "audit.test_on_both" in html)
print("primary_only", "audit.test_primary_only" in html)
listed = AuditEvent.objects.filter(event_type="audit.listed")
print("listed_primary", listed.using("default").count())
print("listed_replica", listed.using("replica").count())
"""


@pytest.mark.parametrize("replica", [True, False])
def test_the_audit_page_reads_the_replica_and_records_its_read_on_the_primary(tmp_path, replica):
    primary, copy = tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3"
    migrated_sqlite_file(primary)  # the script's `migrate` then has nothing left to apply
    env = {
        "DEBUG": "True",
        "KC_DATA_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "testserver",
        "REQUIRE_2FA": "False",
        "DATABASE_URL": f"sqlite:///{primary}",
        "TEST_PRIMARY_FILE": str(primary),
        "TEST_REPLICA_FILE": str(copy),
    }
    if replica:
        env["DATABASE_REPLICA_URL"] = f"sqlite:///{copy}"
    script = REPORT_ON_A_STALE_REPLICA
    if not replica:  # the copy is still made, for the comparison; nothing reads it
        script = script.replace('listed.using("replica")', 'listed.using("default").none()')
    result = run_cli("shell", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines["status"] == "200"
    assert lines["on_both"] == "True"
    # With a replica the report shows the replica's rows (it lags); without, the primary's.
    assert lines["primary_only"] == str(not replica)
    # The report's own audit record is written to the primary, never the replica.
    assert lines["listed_primary"] == "1"
    assert lines["listed_replica"] == "0"
