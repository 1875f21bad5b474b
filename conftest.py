"""Test configuration: the database (SQLite by default, PostgreSQL with --postgres) is chosen
before Django loads its settings."""

from __future__ import annotations

import functools
import gc
import os
import shutil
import signal
import tempfile

import pytest
from hypothesis import HealthCheck, settings

_cluster = None
_end_template = None


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


# Property tests wait for their examples, never for the clock: no per-example deadline and no
# "too slow" health check (both fail on a loaded machine, not on a wrong answer). Under CI the
# examples are also derandomized, so a run repeats exactly; a developer's run keeps exploring.
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci",
    parent=settings.get_profile("dev"),
    derandomize=True,
    database=None,
    print_blob=True,
)
# `make mutation` runs the same tests many times in one process (mutmut's stats, then the
# clean run): the same unittest-style test then meets a new TestCase instance each time.
settings.register_profile(
    "mutation",
    parent=settings.get_profile("ci"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
)
settings.load_profile("ci" if _in_ci() else "dev")


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--postgres",
        action="store_true",
        help="run against PostgreSQL: TEST_DATABASE_URL, or a throwaway cluster",
    )
    parser.addoption(
        "--all-tests",
        action="store_true",
        help="run every test, also those meant for one pass (pure tests, only_on)",
    )


def pytest_configure(config) -> None:
    global _cluster
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketamine_care.config.settings")
    os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
    os.environ.setdefault("AUDIT_HMAC_KEY", "test-only-audit-key-" + "a" * 40)
    # Never read or write a real anchor file (./data) from the tests.
    os.environ["AUDIT_ANCHOR_FILE"] = os.path.join(
        tempfile.mkdtemp(prefix="kc-test-anchors-"), "audit-anchors.jsonl"
    )
    os.environ["DEBUG"] = "False"
    os.environ["SECURE_SSL_REDIRECT"] = "False"
    os.environ["REQUIRE_2FA"] = "False"
    os.environ["AXES_ENABLED"] = "True"
    # Static files come from the source folders (tests/test_serving.py collects them itself).
    os.environ["STATIC_MANIFEST"] = "False"
    os.environ["COLLECTSTATIC_ON_MIGRATE"] = "False"
    os.environ["STATIC_ROOT"] = tempfile.mkdtemp(prefix="kc-test-static-")
    # Playwright's sync API runs an event loop in the test thread; Django's ORM calls from
    # that thread are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # The run's folder, shared by its workers: the migrated template (testing/migrated.py).
    if not hasattr(config, "workerinput"):
        from ketamine_care.testing.migrated import RUN_FOLDER_VARIABLE

        os.environ[RUN_FOLDER_VARIABLE] = tempfile.mkdtemp(prefix="kc-test-run-")
    if config.getoption("--postgres"):
        url = os.environ.get("TEST_DATABASE_URL")
        # Under pytest-xdist the controller starts one cluster; its workers inherit the URL
        # (each worker then gets its own test database on it, test_<name>_gw<N>).
        if not url and not hasattr(config, "workerinput"):
            from ketamine_care.testing.postgres import PostgresUnavailable, start_cluster

            try:
                _cluster = start_cluster()
            except PostgresUnavailable as exc:
                raise pytest.UsageError(f"PostgreSQL tests cannot run: {exc}") from exc
            url = _cluster.url
            os.environ["TEST_DATABASE_URL"] = url
        os.environ["DATABASE_URL"] = url
        os.environ["KC_TEST_DATABASE"] = "postgresql"
    else:
        os.environ["DATABASE_URL"] = "sqlite:///:memory:"
        os.environ["KC_TEST_DATABASE"] = "sqlite"
    global _end_template
    if _makes_template_ahead(config):
        from ketamine_care.testing import migrated

        _end_template = migrated.make_template_ahead(
            migrated.run_folder(), os.environ["DATABASE_URL"]
        )
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Live-server threads must not keep connections open past a test: the test database
    # could not be dropped at the end of the run.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _makes_template_ahead(config) -> bool:
    """Whether the controller of a pytest-xdist run makes the run's migrated template while
    its workers start (`testing.migrated.make_template_ahead`): a run with workers, whose
    test databases are not kept between runs."""
    return (
        not hasattr(config, "workerinput")
        and bool(getattr(config.option, "numprocesses", None))
        and not getattr(config.option, "reuse_db", False)
    )


def pytest_report_header(config) -> str:
    return f"database: {os.environ.get('KC_TEST_DATABASE', '?')}"


# Fixtures that reach Django's test database (directly or through their own fixtures).
_DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
        "admin_user",
        "admin_client",
    }
)


def uses_database(item) -> bool:
    """Whether a test touches a database: Django's test database (the django_db mark, a
    database fixture, a Django TestCase) or the engine under test itself (the
    `database_engine` mark, for tests that make their own databases)."""
    if item.get_closest_marker("django_db") or item.get_closest_marker("database_engine"):
        return True
    if _DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    cls = getattr(item, "cls", None)
    if cls is not None:
        from django.test import TransactionTestCase

        return issubclass(cls, TransactionTestCase)
    return False


def _runs_on(item, engine: str) -> bool:
    only = item.get_closest_marker("only_on")
    if only is not None:
        return engine in only.args
    if item.get_closest_marker("browser") is not None:
        # A browser workflow runs once, on the engine production uses: the screens do not
        # change with the engine, and every query under them runs in both passes anyway.
        return engine == "postgresql"
    return engine == "sqlite" or uses_database(item)


# The test modules that take longest (`--durations`, module totals over setup, call and
# teardown, in either pass), longest first. pytest-xdist hands out modules in collection order,
# so a long one collected last runs alone while the other worker waits (tests/
# test_settings_and_deploy.py did, at the end of the SQLite pass); started first, they run
# beside the many short modules instead, and the pass ends on short ones. Only the order
# changes: a module missing here still runs, in its collection place after these.
LONGEST_FIRST = (
    "tests/test_api_contract.py",
    "tests/test_backup.py",
    "src/ketamine_care/treatment_sessions/tests/test_alert_engine.py",
    "tests/browser/test_accessibility.py",
    "tests/test_settings_and_deploy.py",
    "src/ketamine_care/fhir/tests/test_clinic_export.py",
    "tests/test_scale_out.py",
    "src/ketamine_care/screening/tests/test_properties.py",
    "tests/test_serving.py",
    "tests/test_authorization_matrix.py",
    "tests/test_demo_snapshot.py",
    "tests/test_demo_and_health.py",
    "src/ketamine_care/fhir/tests/test_demo_resources.py",
    "src/ketamine_care/registry/tests/test_cube_delta.py",
    "src/ketamine_care/fhir/tests/test_validation.py",
    "src/ketamine_care/fhir/tests/test_plain_json.py",
    "src/ketamine_care/research/tests/test_demo_research.py",
    "src/ketamine_care/treatment_sessions/tests/test_alert_properties.py",
    "src/ketamine_care/treatment_sessions/tests/test_vital_properties.py",
    "src/ketamine_care/dosing/tests/test_plans.py",
    "src/ketamine_care/registry/tests/test_cube.py",
    "tests/browser/test_treatment_session.py",
    "tests/test_alert_surface.py",
    "tests/test_architecture.py",
    "src/ketamine_care/audit/tests/test_keys.py",
    "tests/test_logs.py",
    "tests/test_concurrent_traffic.py",
    "tests/test_unique_element_ids.py",
    "src/ketamine_care/instruments/tests/test_scoring_properties.py",
    "tests/test_replica_routing.py",
    "tests/test_code_size.py",
    "src/ketamine_care/outcomes/tests/test_chart_paging.py",
    "src/ketamine_care/inventory/tests/test_ledger_input.py",
    "src/ketamine_care/treatment_sessions/tests/test_triage_floor.py",
    "src/ketamine_care/treatment_sessions/tests/test_vital_safety_app.py",
    "tests/test_read_audit.py",
    "src/ketamine_care/treatment_sessions/tests/test_session_page_by_state.py",
    "src/ketamine_care/registry/tests/test_dashboard.py",
    "tests/test_safe_html.py",
    "src/ketamine_care/registry/tests/test_aggregates.py",
    "src/ketamine_care/outcomes/tests/test_incremental_summaries.py",
    "src/ketamine_care/protocols/tests/test_edit_views.py",
    "src/ketamine_care/outcomes/tests/test_latest_flags.py",
    "tests/test_lock_order.py",
    "src/ketamine_care/demo/tests/test_synth.py",
    "tests/test_hostile_input.py",
    "src/ketamine_care/courses/tests/test_course_properties.py",
    "src/ketamine_care/treatment_sessions/tests/test_chart_sessions.py",
    "src/ketamine_care/screening/tests/test_safety_rules.py",
    "src/ketamine_care/inventory/tests/test_balance_properties.py",
    "src/ketamine_care/treatment_sessions/tests/test_closing.py",
    "tests/test_registry_cube_synth.py",
    "src/ketamine_care/portal/tests/test_scheduled_measures.py",
    "tests/test_clinic_today.py",
    "src/ketamine_care/research/tests/test_export.py",
    "src/ketamine_care/outcomes/tests/test_summaries.py",
    "tests/test_tenant_isolation_lists.py",
)


def _start_order(item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(config, items) -> None:
    """`--postgres` runs what touches a database: pure tests (clinical logic, parsers, lint-like
    checks) answer the same on any backend and already ran in the SQLite pass. A test marked
    `only_on(engine)` runs in that engine's pass only. `--all-tests` runs everything. The
    longest modules start first (`LONGEST_FIRST`); the sort is stable, so every module keeps
    its tests together and in order."""
    items.sort(key=_start_order)
    if config.getoption("--all-tests"):
        return
    engine = "postgresql" if config.getoption("--postgres") else "sqlite"
    kept, deselected = [], []
    for item in items:
        (kept if _runs_on(item, engine) else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
    if engine == "postgresql":
        fewer_examples_where_sqlite_ran(items)


# A property test that runs in both passes explores its inputs in the SQLite pass, with the
# examples its own `@settings` asks for. In the PostgreSQL pass it runs a quarter of them (at
# least MIN_EXAMPLES_ON_POSTGRES): what that pass adds is the engine's side of the same
# statements (types, locks, an aborted transaction, time zones), which the first examples
# already reach; the inputs themselves were explored once. A property test that runs only on
# PostgreSQL keeps all its examples. `--all-tests` keeps them all too.
SHARE_OF_EXAMPLES_ON_POSTGRES = 4
MIN_EXAMPLES_ON_POSTGRES = 5


def fewer_examples_where_sqlite_ran(items) -> None:
    from hypothesis import settings as Settings
    from hypothesis.internal.detection import is_hypothesis_test

    done = set()
    for item in items:
        test = getattr(item.obj, "__func__", item.obj)
        if id(test) in done or not is_hypothesis_test(test) or not _runs_on(item, "sqlite"):
            continue
        done.add(id(test))
        # `@given` reads this attribute on every call; `@settings` can be applied only once.
        current = getattr(test, "_hypothesis_internal_use_settings", None)
        if current is None:
            raise pytest.UsageError(f"{item.nodeid}: no Hypothesis settings to scale down")
        examples = max(
            MIN_EXAMPLES_ON_POSTGRES, current.max_examples // SHARE_OF_EXAMPLES_ON_POSTGRES
        )
        test._hypothesis_internal_use_settings = Settings(
            current, max_examples=min(examples, current.max_examples)
        )


# Python's defaults are (700, 10, 10).
GC_THRESHOLDS = (5000, 20, 50)


def pytest_collection_finish(session) -> None:
    """What collection imported (Django, the project, the test modules, their libraries: most
    of a test process's objects) is frozen out of the garbage collector's reach
    (`gc.freeze`): a full collection then walks only what the tests made since. Collections
    also come less often (GC_THRESHOLDS): the tests make many objects that live until their
    test ends. The collector took some 10 % of a test process's CPU (7.3 s of 67 s over the
    patients, instruments and treatment-session tests), now some 5 % (3.3 s)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def pytest_unconfigure(config) -> None:
    if _end_template is not None:
        _end_template()
    if not hasattr(config, "workerinput") and migrated_run_folder_variable() in os.environ:
        from ketamine_care.testing import migrated

        folder = migrated.run_folder()
        if config.getoption("--postgres") and _cluster is None:
            migrated.drop_postgres_template(folder, os.environ["DATABASE_URL"])
        shutil.rmtree(folder, ignore_errors=True)
    if _cluster is not None:
        _cluster.stop()


def migrated_run_folder_variable() -> str:
    from ketamine_care.testing.migrated import RUN_FOLDER_VARIABLE

    return RUN_FOLDER_VARIABLE


# Each worker's test database is a copy of the first one's (testing/migrated.py): the
# migrations run once per run, not once per worker.
@pytest.fixture(scope="session")
def _test_databases_share_one_migration():
    from django.db import connection

    from ketamine_care.testing import migrated

    creation = connection.creation
    create = creation.create_test_db
    creation.create_test_db = functools.partial(
        migrated.create_test_db, creation, create, migrated.run_folder()
    )
    destroy = creation._destroy_test_db
    if connection.vendor == "postgresql":
        creation._destroy_test_db = functools.partial(_drop_with_force, creation)
    yield
    creation.create_test_db = create
    creation._destroy_test_db = destroy


def _drop_with_force(creation, test_database_name: str, verbosity: int) -> None:
    """The worker's test database is dropped at the end of its run even if a session of a test
    that just ended is still open (PostgreSQL 13+: `WITH (FORCE)` ends it). A plain DROP waits
    five seconds for it, then fails with "being accessed by other users" and leaves the
    database behind in the run's throwaway cluster; which test's session outlives its test by
    that much depends on which test ran last and on the machine's load."""
    name = creation.connection.ops.quote_name(test_database_name)
    with creation._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def django_db_setup(_test_databases_share_one_migration, django_db_setup):
    yield


# Transactional tests (browser tests, the ledger's concurrent-draw test) end with a flush that
# the append-only guards (audit trail, ledger entries) rightly refuse: a test that needs the
# flush requests `_audit_guard_lifted_for_flush`, and the guards are restored after it.
@pytest.fixture
def _audit_guard_lifted_for_flush(request):
    from ketamine_care.testing import audit_guard

    yield
    audit_guard.lift()
    request.node._audit_guard_lifted = True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # every fixture finalizer, including the flush, has run now
    # After the last test the test database is already gone: nothing to restore.
    if getattr(item, "_audit_guard_lifted", False) and nextitem is not None:
        from pytest_django.plugin import blocking_manager_key

        from ketamine_care.testing import audit_guard

        with item.session.config.stash[blocking_manager_key].unblock():
            audit_guard.restore()


# Signal handlers a test may replace in this process: `ketamine-care worker` run in the test
# (`testing.jobs.run_worker`; django-tasks' db_worker) installs its own for SIGINT, SIGTERM and
# SIGQUIT and leaves them there. A later test in the same process that forks (the synth
# command's process pool) would hand that handler to its children, which could then shrug off
# the pool's SIGTERM while the test waits for them for ever. Each test gets the run's handlers.
_RESTORED_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGQUIT") if hasattr(signal, name)
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    handlers = {number: signal.getsignal(number) for number in _RESTORED_SIGNALS}
    yield
    for number, handler in handlers.items():
        if handler is not None and signal.getsignal(number) is not handler:
            signal.signal(number, handler)
