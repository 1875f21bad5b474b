"""The SQL path's tables written by two sessions at once (`write_tables`).

After the patients table, the tables split into two groups: the rating-scale tables
(administrations, item answers: one statement that numbers the administrations itself,
`fast_ratings`) and all the others (courses, sessions, doses, vitals, outcomes, adverse
events: the numbering tables `{plans}` and `{sess}`, which the first session makes before
them). On its own connection (ADBC) the export opens a second session: the numbered
patients are copied into it as a temporary table (binary COPY from arrow), and it starts
on the rating-scale tables while the first session numbers the sessions and writes its
group, each session on a thread of its own.

The rating-scale tables are read by ranges of patients (`SharedRatings`): the second
session takes them from the first patient on, the first one too once its own tables are
written, so neither idles while the other finishes; a range needs nothing made beforehand
(the statement numbers its patients' administrations), and the ranges are written in
order, so the files hold the rows one statement over all patients gives. Temporary tables
stay private to their session, so nothing outlives the export.

A failure in either group cancels the other session's statement, stops its remaining
tables, and is raised as it was (the caller removes the files). Inside a transaction
(Django's connection) there is one session and the tables are written one after the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa

from ketamine_care.research.export import columns as c
from ketamine_care.research.export import fast_sql as q

WORKERS = 2  # sessions writing tables at once (1: one session, the tables in order)
RATINGS = ("administrations", "item_answers")  # written together, by one statement
CHUNK_PATIENTS = 25_000  # patients per range of the rating-scale tables (`SharedRatings`)
AHEAD = 4  # ranges a reader may hold, read and not yet written, before it waits


class Stopped(RuntimeError):
    """The other group failed: this one stops before its next table."""


def write_tables(fast, tables: Sequence[c.Table], tell: Callable[[str], None]) -> dict[str, int]:
    """Each table's rows written by `fast` (a `fast.FastExport` after its patients table);
    `tell(name)` after each table (from the thread that wrote it)."""
    first = [t for t in tables if t.name not in RATINGS]
    ratings = [t for t in tables if t.name in RATINGS]
    if WORKERS < 2 or not hasattr(fast.session, "another") or not ratings:
        fast.number_sessions()
        return write_group(fast, fast.session, [*first, *ratings], tell, threading.Event())
    people = fast.people
    other = fast.session.another()
    try:
        return _both(fast, other, people, first, tell)
    finally:
        other.close()


def _both(fast, other, people: pa.Table, first, tell) -> dict[str, int]:
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
            ratings.wake()
            raise

    def first_group() -> dict[str, int]:
        fast.number_sessions()
        rows = write_group(fast, own, first, tell, stop)
        ratings.read(own, stop, name="first")
        return rows

    def second_group() -> dict[str, int]:
        prepare_second(fast, other, people)
        ratings.read(other, stop, name="second")
        return {}

    lock = threading.Lock()
    own = fast.session
    rows: dict[str, int] = {}
    ids = people.column("patient_id").combine_chunks()
    with SharedRatings(fast, ids) as ratings:
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="research-export") as pool:
            jobs = [
                pool.submit(guarded, other, first_group),
                pool.submit(guarded, own, second_group),
            ]
            for job in jobs:
                if job.exception() is None:
                    rows.update(job.result())
        if failures:
            raise failures[0]
        rows.update(ratings.finish())
    for name in RATINGS:
        tell(name)
    return rows


class SharedRatings:
    """The rating-scale files written from ranges of patients (`size` patients each, by
    their place in `ids`, the kept patients' ids in the files' order) that sessions read
    (`read`), each taking the next range not taken yet. A range read whole is kept in
    memory until the ranges before it are written (a reader holds at most `AHEAD` ranges
    not yet written before it waits); then it is written by the thread that delivered it
    or the one writing already, so the files hold the ranges in order: every table's rows
    in the order one statement over all patients gives, each patient's rows within one
    range, none twice. `finish` checks every range was written and closes the files."""

    def __init__(self, fast, ids: pa.Array, size: int | None = None) -> None:
        size = size or CHUNK_PATIENTS
        self.fast = fast
        patients = len(ids)
        self.ranges = [
            (ids[lo].as_py(), ids[min(lo + size, patients) - 1].as_py())
            for lo in range(0, patients, size)
        ]
        self.taken = 0  # ranges handed out (in order)
        self.written = 0  # ranges written (in order)
        self.pending: dict[int, list] = {}  # read, waiting for the ranges before them
        self.writing = False
        self.changed = threading.Condition()
        self.writers = fast.ratings_writers()
        self.by_session: dict[str, list[int]] = {}  # which ranges each reader read (tests)

    def __enter__(self) -> SharedRatings:
        return self

    def __exit__(self, *exc) -> None:
        for writer in self.writers:
            writer.close()

    def wake(self) -> None:
        """Readers waiting for room see a failure elsewhere (`read` checks `stop`)."""
        with self.changed:
            self.changed.notify_all()

    def _take(self, stop: threading.Event) -> int | None:
        """The next range's index, once fewer than `AHEAD` ranges are read and not
        written; None when every range is taken."""
        with self.changed:
            while self.taken - self.written >= AHEAD and not stop.is_set():
                self.changed.wait(1)
            if stop.is_set():
                raise Stopped("research export: stopped after a failure in another table")
            if self.taken == len(self.ranges):
                return None
            self.taken += 1
            return self.taken - 1

    def read(self, session, stop: threading.Event, name: str = "second") -> None:
        """Read the next range not taken, deliver it, until none is left."""
        while (index := self._take(stop)) is not None:
            first, last = self.ranges[index]
            parts = list(self.fast.read_ratings(session, first, last))
            self.by_session.setdefault(name, []).append(index)
            self._deliver(index, parts)

    def _deliver(self, index: int, parts: list) -> None:
        with self.changed:
            self.pending[index] = parts
            if self.writing:
                return  # the thread writing will write it in its turn
            self.writing = True
        try:
            while True:
                with self.changed:
                    batches = self.pending.pop(self.written, None)
                    if batches is None:
                        self.writing = False
                        return
                for batch in batches:
                    self.fast.write_rating_batch(self.writers, batch)
                with self.changed:
                    self.written += 1
                    self.changed.notify_all()
        except BaseException:
            with self.changed:
                self.writing = False
            raise

    def finish(self) -> dict[str, int]:
        if self.written != len(self.ranges) or self.pending:
            raise RuntimeError("research export: a range of the rating-scale tables is missing")
        for writer in self.writers:
            writer.close()
        administrations, answers = self.writers
        return {"administrations": administrations.rows, "item_answers": answers.rows}


def prepare_second(fast, session, people: pa.Table) -> None:
    """The second session's own table: the numbered patients (copied), indexed."""
    for setting in fast.SETTINGS:
        session.execute(setting)
    session.ingest(fast.names["people"], people)
    for statement in q.NUMBER_PEOPLE:  # its index and statistics
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
