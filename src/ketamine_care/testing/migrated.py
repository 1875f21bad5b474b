"""One migrated database per test run, made once and copied wherever the run needs another.

Applying every migration takes some 15-20 s of CPU (Django renders the model states again
after each operation), and a test run needs a migrated database many times: each
pytest-xdist worker's test database, and the tests that start `ketamine-care` on a database
of their own (backup and restore, two app servers, the clinic import, the read replica). The
first of them migrates as it always did and keeps the result as the run's *template*; every
later one copies the template instead of migrating again:

- SQLite: a file. The in-memory test database is written to it with SQLite's backup API and
  read back the same way; a test copies the file.
- PostgreSQL: a database that `CREATE DATABASE ... TEMPLATE` copies (on the test cluster).

The workers of a run find the template through the run's shared temporary folder, under a
file lock (a copy made from a PostgreSQL template must be the only session on it). A
template made by `ketamine-care migrate` (`migrated_sqlite_file`, `migrated_postgres`) and one
made by the test runner's own migration are the same schema: the same migrations, applied by
the same `migrate` command.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import subprocess
import sys
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

_TEMPLATES = "migrated-templates.json"
RUN_FOLDER_VARIABLE = "KC_TEST_RUN_FOLDER"


def run_folder() -> Path:
    """The test run's own folder, which every worker of the run sees (the root conftest.py
    makes it in the controlling process and names it in RUN_FOLDER_VARIABLE)."""
    return Path(os.environ[RUN_FOLDER_VARIABLE])


@contextlib.contextmanager
def _templates(folder: Path) -> Iterator[dict]:
    """The run's templates ({"sqlite": path, "postgresql": name}), read and written under the
    run's lock; the lock is held until the block ends."""
    with open(folder / "migrated.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = folder / _TEMPLATES
        templates = json.loads(path.read_text()) if path.exists() else {}
        before = dict(templates)
        yield templates
        if templates != before:
            path.write_text(json.dumps(templates))


def _environment(database_url: str, folder: Path) -> dict[str, str]:
    """`ketamine-care migrate`'s environment: the test run's, with its own database and no
    static files collected."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KC_"))}
    env.update(
        DATABASE_URL=database_url,
        COLLECTSTATIC_ON_MIGRATE="False",
        KC_DATA_DIR=str(folder),
        DEBUG="False",
    )
    return env


def _migrate(database_url: str, folder: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ketamine_care", "migrate", "--verbosity", "0"],
        env=_environment(database_url, folder),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        raise RuntimeError(f"`ketamine-care migrate` failed:\n{result.stderr[-4000:]}")


def migrated_sqlite_file(target: Path) -> Path:
    """`target`: a SQLite database with every migration applied and no rows of its own."""
    folder = run_folder()
    with _templates(folder) as templates:
        if "sqlite" not in templates:
            made = folder / f"migrated-{uuid.uuid4().hex[:8]}.sqlite3"
            _migrate(f"sqlite:///{made}", folder)
            templates["sqlite"] = str(made)
        target.parent.mkdir(parents=True, exist_ok=True)
        with (
            contextlib.closing(sqlite3.connect(templates["sqlite"])) as source,
            contextlib.closing(sqlite3.connect(target)) as copy,
        ):
            source.backup(copy)
    return target


def migrated_postgres(admin_url: str, name: str) -> None:
    """Creates database `name` (on the server of `admin_url`) with every migration applied."""
    import psycopg

    folder = run_folder()
    with _templates(folder) as templates, psycopg.connect(admin_url, autocommit=True) as admin:
        if "postgresql" not in templates:
            template = f"kc_migrated_{uuid.uuid4().hex[:8]}"
            admin.execute(f'CREATE DATABASE "{template}"')
            _migrate(f"{admin_url.rsplit('/', 1)[0]}/{template}", folder)
            templates["postgresql"] = template
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{templates["postgresql"]}"')


def make_template_ahead(folder: Path, database_url: str) -> Callable[[], None]:
    """Makes the run's template of the engine of `database_url` in a thread of this process
    (the run's controller), beside the workers' start: they collect their tests meanwhile,
    and then copy the template rather than one migrating while the other waits for the run's
    lock, a core idle on a 2-core machine. The lock is held from before this returns until
    the template is kept, so no worker migrates as well. Returns the function that ends it at
    the end of the run (a migration still running, in a run that never needed it, is
    stopped). Should the migration fail, no template is kept and the first worker migrates
    as before (and fails there, with the test that needed it)."""
    vendor = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    locked, stopping, guard = threading.Event(), threading.Event(), threading.Lock()
    running: list[subprocess.Popen] = []

    def make() -> None:
        try:
            with _templates(folder) as templates:
                locked.set()
                if vendor not in templates:
                    made = _migrated_ahead(vendor, folder, database_url, running, stopping, guard)
                    if made is not None:
                        templates[vendor] = made
        finally:
            locked.set()

    thread = threading.Thread(target=make, name="migrated-template", daemon=True)
    thread.start()
    locked.wait()

    def end() -> None:
        stopping.set()
        with guard:
            for process in running:
                if process.poll() is None:
                    process.terminate()
        thread.join()

    return end


def _migrated_ahead(
    vendor: str,
    folder: Path,
    database_url: str,
    running: list[subprocess.Popen],
    stopping: threading.Event,
    guard: threading.Lock,
) -> str | None:
    """`ketamine-care migrate` of a new database (a file or a database of the server of
    `database_url`) for `make_template_ahead`: its name, or None when it was not made."""
    if vendor == "sqlite":
        name = str(folder / f"migrated-{uuid.uuid4().hex[:8]}.sqlite3")
        url = f"sqlite:///{name}"
    else:
        import psycopg

        name = f"kc_migrated_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = f"{database_url.rsplit('/', 1)[0]}/{name}"
    with guard:
        process = None
        if not stopping.is_set():
            process = subprocess.Popen(
                [sys.executable, "-m", "ketamine_care", "migrate", "--verbosity", "0"],
                env=_environment(url, folder),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            running.append(process)
    if process is not None:
        _, errors = process.communicate(timeout=900)
        if process.returncode == 0:
            return name
        if not stopping.is_set():
            sys.stderr.write(f"`ketamine-care migrate` of the template failed:\n{errors[-4000:]}\n")
    if vendor == "postgresql":
        drop_postgres_database(database_url, name)
    return None


def drop_postgres_template(folder: Path, admin_url: str) -> None:
    """Drops the run's PostgreSQL template, if it made one (at the end of the run)."""
    path = folder / _TEMPLATES
    name = json.loads(path.read_text()).get("postgresql") if path.exists() else None
    if name:
        drop_postgres_database(admin_url, name)


def drop_postgres_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_test_db(creation, create, folder: Path, **options) -> str:
    """Django's `creation.create_test_db(**options)` (`create`) for the run's test databases:
    the first one migrates and becomes the run's template, the others are copies of it. A kept
    (`--reuse-db`) or file-backed SQLite test database is made as Django makes it."""
    connection = creation.connection
    vendor, name = connection.vendor, creation._get_test_db_name()
    in_memory = vendor == "sqlite" and creation.is_in_memory_db(name)
    if options.get("keepdb") or not (in_memory or vendor == "postgresql"):
        return create(**options)
    with _templates(folder) as templates:
        if vendor not in templates:
            create(**options)
            try:
                templates[vendor] = _keep(connection, name, folder)
            except Exception as exc:  # noqa: BLE001 - without a template each worker migrates
                warnings.warn(f"no migrated template kept: {exc!r}", stacklevel=2)
            return name
        _copy(creation, name, templates[vendor], options.get("serialize", True))
    return name


def _keep(connection, name: str, folder: Path) -> str:
    """The just-migrated test database as the run's template: a file or a database."""
    if connection.vendor == "sqlite":
        path = folder / f"migrated-{uuid.uuid4().hex[:8]}.sqlite3"
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(path)) as target:
            connection.connection.backup(target)
        return str(path)
    template = f"kc_migrated_{uuid.uuid4().hex[:8]}"
    _close(connection)  # the source of a TEMPLATE copy has no other session
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
    return template


def _copy(creation, name: str, template: str, serialize: bool) -> None:
    """What `create_test_db` does, with a copy of the template for the migration."""
    from django.conf import settings
    from django.core.management import call_command

    connection = creation.connection
    _close(connection)
    if connection.vendor == "postgresql":
        with creation._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')  # a crashed run's leftover
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        with contextlib.closing(sqlite3.connect(template)) as source:
            source.backup(connection.connection)
    if serialize:
        connection._test_serialized_contents = creation.serialize_db_to_string()
    call_command("createcachetable", database=connection.alias)


def _close(connection) -> None:
    connection.close()
    close_pool = getattr(connection, "close_pool", None)
    if close_pool is not None:
        close_pool()
