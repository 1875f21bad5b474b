"""The SQL path's tables written by two sessions at once (`write_tables`).

After the patients table, the tables split into two groups that need different numbering
tables: the rating-scale tables (administrations, item answers: `{adm}`) and all the others
(courses, sessions, doses, vitals, outcomes, adverse events: `{plans}`, `{sess}`). On its own
connection (ADBC) the export opens a second session for the first group: the numbered
patients are copied into it as a temporary table (binary COPY from arrow), it makes its own
administration numbering, and each session writes its group on a thread of
its own, so the server works on two statements and the client writes two files at once.
Temporary tables stay private to their session, so nothing outlives the export.

A failure in either group cancels the other session's statement, stops its remaining
tables, and is raised as it was (the caller removes the files). Inside a transaction
(Django's connection) there is one session and the groups run one after the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa

from ketamine_care.research.export import columns as c
from ketamine_care.research.export import fast_sql as q

WORKERS = 2  # sessions writing tables at once (1: one session, the tables in order)
SECOND = ("administrations", "item_answers")  # the group of the second session
RATINGS = ("administrations", "item_answers")  # written together, by one statement


class Stopped(RuntimeError):
    """The other group failed: this one stops before its next table."""


def write_tables(fast, tables: Sequence[c.Table], tell: Callable[[str], None]) -> dict[str, int]:
    """Each table's rows written by `fast` (a `fast.FastExport` after its patients table);
    `tell(name)` after each table (from the thread that wrote it)."""
    first = [t for t in tables if t.name not in SECOND]
    second = [t for t in tables if t.name in SECOND]
    if WORKERS < 2 or not hasattr(fast.session, "another") or not second:
        number_administrations(fast, fast.session)
        return write_group(fast, fast.session, [*first, *second], tell, threading.Event())
    people = pa.Table.from_batches(
        list(fast.session.batches(q.PEOPLE, fast.sql(q.PEOPLE.sql))),
        schema=pa.schema([pa.field(name, type_) for name, type_ in q.PEOPLE.columns]),
    )
    other = fast.session.another()
    try:
        return _both(fast, other, people, (first, second), tell)
    finally:
        other.close()


def _both(fast, other, people: pa.Table, groups, tell) -> dict[str, int]:
    stop = threading.Event()
    failures: list[BaseException] = []  # the first is the cause, the rest its consequences

    def guarded(peer, work: Callable[[], dict[str, int]]) -> dict[str, int]:
        try:
            return work()
        except BaseException as error:
            with lock:
                failures.append(error)
                if not stop.is_set():
                    stop.set()
                    peer.cancel()
            raise

    def second_group() -> dict[str, int]:
        prepare_second(fast, other, people)
        return write_group(fast, other, groups[1], tell, stop)

    lock = threading.Lock()
    own = fast.session
    rows: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="research-export") as pool:
        jobs = [
            pool.submit(guarded, other, lambda: write_group(fast, own, groups[0], tell, stop)),
            pool.submit(guarded, own, second_group),
        ]
        for job in jobs:
            if job.exception() is None:
                rows.update(job.result())
    if failures:
        raise failures[0]
    return rows


def prepare_second(fast, session, people: pa.Table) -> None:
    """The second session's own tables: the numbered patients (copied) and the
    administrations' numbering."""
    for setting in fast.SETTINGS:
        session.execute(setting)
    session.ingest(fast.names["people"], people)
    for statement in q.NUMBER_PEOPLE[1:]:  # its index and statistics
        session.execute(fast.sql(statement))
    number_administrations(fast, session)


def number_administrations(fast, session) -> None:
    for statement in q.NUMBER_ADMINISTRATIONS:
        session.execute(fast.sql(statement))


def write_group(fast, session, tables, tell, stop: threading.Event) -> dict[str, int]:
    """The group's tables in order; the administrations and their item answers together
    (`fast.FastExport.write_ratings`: one statement for both files)."""
    rows = {}
    for table in tables:
        if table.name in RATINGS[1:]:
            continue  # written with the administrations
        if stop.is_set():
            raise Stopped("research export: stopped after a failure in another table")
        if table.name == RATINGS[0]:
            rows.update(fast.write_ratings(session))
            for name in RATINGS:
                tell(name)
            continue
        rows[table.name] = fast.write_table(table, session)
        tell(table.name)
    return rows
