"""The rating-scale tables read by ranges of patients over two sessions
(`fast_parallel.SharedRatings`): every patient's rows in exactly one range, the ranges
written in the patients' order whichever session reads them and whenever it delivers them,
a reader never far ahead of the writing. The export through both sessions with small
ranges is compared with the Python path in test_export_sql.py's way."""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest

from ketamine_care.research.export import fast_parallel
from ketamine_care.research.export.fast_parallel import SharedRatings


class FakeWriter:
    def __init__(self) -> None:
        self.rows = 0
        self.closed = False

    def close(self) -> None:
        self.closed = True


def ids_of(patients: int) -> pa.Array:
    """Kept patients' ids: increasing, with gaps (the patients not kept)."""
    return pa.array([10 + 3 * seq for seq in range(patients)], pa.int64())


class FakeFast:
    """The patient whose id is `10 + 3 * seq` has `seq % 3` rows (none for some: empty
    batches too); ids between the kept ones have none."""

    def __init__(self) -> None:
        self.written: list[tuple[int, int]] = []

    def ratings_writers(self):
        return FakeWriter(), FakeWriter()

    def read_ratings(self, session, first, last):
        session.append((first, last))
        seqs = [(pid - 10) // 3 for pid in range(first, last + 1) if (pid - 10) % 3 == 0]
        yield [(seq, n) for seq in seqs for n in range(seq % 3)]

    def write_rating_batch(self, writers, batch) -> None:
        self.written.extend(batch)
        writers[0].rows += len(batch)


def expected(patients: int) -> list[tuple[int, int]]:
    return [(seq, n) for seq in range(patients) for n in range(seq % 3)]


@pytest.mark.parametrize(("patients", "size"), [(10, 3), (9, 3), (1, 5), (5, 5), (0, 4)])
def test_ranges_cover_every_patient_once_up_to_the_last(patients, size):
    ids = ids_of(patients).to_pylist()
    ranges = SharedRatings(FakeFast(), ids_of(patients), size).ranges
    covered = [pid for first, last in ranges for pid in ids if first <= pid <= last]
    assert covered == ids
    assert all(0 < len([p for p in ids if first <= p <= last]) <= size for first, last in ranges)
    assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:], strict=False))


def test_one_reader_writes_every_range_in_order():
    fast, reads = FakeFast(), []
    with SharedRatings(fast, ids_of(10), 3) as shared:
        shared.read(reads, threading.Event())
        assert shared.finish() == {"administrations": len(expected(10)), "item_answers": 0}
    assert reads == [(10, 16), (19, 25), (28, 34), (37, 37)]
    assert fast.written == expected(10)
    assert all(writer.closed for writer in shared.writers)


def test_a_range_delivered_before_the_ones_ahead_of_it_waits_for_them():
    """The second reader takes range 0 and is held until the first has read and delivered
    ranges 1 and more: nothing is written before range 0, then everything in order; the
    first reader, `AHEAD` ranges ahead of the writing, waits for range 0 to be written
    before it takes another."""
    fast = FakeFast()
    held = threading.Event()
    plain = fast.read_ratings

    def read_ratings(session, first, last):
        if first == 10:
            assert held.wait(10)
            assert fast.written == []  # the ranges after it waited for range 0
        return plain(session, first, last)

    fast.read_ratings = read_ratings
    second_reads, first_reads = [], []
    with SharedRatings(fast, ids_of(40), 4) as shared:
        stop = threading.Event()
        second = threading.Thread(target=shared.read, args=(second_reads, stop))
        second.start()
        while shared.taken == 0:
            threading.Event().wait(0.01)
        first = threading.Thread(target=shared.read, args=(first_reads, stop, "first"))
        first.start()
        while shared.taken < fast_parallel.AHEAD:
            threading.Event().wait(0.01)
        threading.Event().wait(0.2)
        assert shared.taken == fast_parallel.AHEAD  # the first reader waits for room
        assert len(first_reads) == fast_parallel.AHEAD - 1
        held.set()
        second.join()
        first.join()
        shared.finish()
    assert fast.written == expected(40)
    read = sorted(shared.by_session["first"] + shared.by_session["second"])
    assert read == list(range(10))
    assert shared.by_session["first"][: fast_parallel.AHEAD - 1] == [1, 2, 3]


def test_a_missing_range_fails_the_export():
    with SharedRatings(FakeFast(), ids_of(6), 3) as shared:
        shared._take(threading.Event())
        with pytest.raises(RuntimeError, match="missing"):
            shared.finish()


def test_a_reader_stops_after_a_failure_elsewhere():
    stop = threading.Event()
    stop.set()
    with SharedRatings(FakeFast(), ids_of(6), 3) as shared, pytest.raises(fast_parallel.Stopped):
        shared.read([], stop)


def test_a_reader_waiting_for_room_stops_after_a_failure_elsewhere():
    """Range 0 never comes (its reader failed): the other reader, waiting for room, is
    woken and stops rather than waiting for ever."""
    shared = SharedRatings(FakeFast(), ids_of(20), 2)
    stop = threading.Event()
    shared._take(stop)  # range 0, taken by the reader that fails
    reads = []
    reader = threading.Thread(target=lambda: pytest.raises(fast_parallel.Stopped, shared.read,
                                                           reads, stop))  # fmt: skip
    reader.start()
    while shared.taken < fast_parallel.AHEAD:
        threading.Event().wait(0.01)
    stop.set()
    shared.wake()
    reader.join(5)
    assert not reader.is_alive()
    assert len(reads) == fast_parallel.AHEAD - 1


@pytest.mark.only_on("postgresql")
@pytest.mark.django_db(transaction=True)
def test_both_sessions_reading_small_ranges_write_what_the_python_path_writes(
    _audit_guard_lifted_for_flush, tmp_path, monkeypatch
):
    """Ranges of 2 patients, the second session held until the first one reads ranges too,
    the first then until the second has read one: both read ranges, and every file is the
    Python path's (rows, types, order, CSV bytes)."""
    from ketamine_care.research.export import write_export
    from ketamine_care.research.export.fast import FastExport
    from ketamine_care.research.tests.export_fixtures import committed_case
    from ketamine_care.research.tests.export_generated import generate
    from ketamine_care.research.tests.test_export_sql import assert_same_export

    case = committed_case("Ranges clinic", "ranges.test")
    generate(case, 40, seed=11)
    python = write_export(case.project, tmp_path / "python", sql=False)

    monkeypatch.setattr(fast_parallel, "CHUNK_PATIENTS", 2)
    first_reads, second_read, made = threading.Event(), threading.Event(), []
    plain_init, plain_read = SharedRatings.__init__, FastExport.read_ratings

    def init(self, *args, **kwargs):
        plain_init(self, *args, **kwargs)
        made.append(self)

    def read_ratings(self, session, first, last):
        """The second session waits for the first to read a range; the first, after
        that range, for the second to have read one."""
        if session is self.session:
            if first_reads.is_set():
                assert second_read.wait(60)
            first_reads.set()
            yield from plain_read(self, session, first, last)
        else:
            assert first_reads.wait(60)
            yield from plain_read(self, session, first, last)
            second_read.set()

    monkeypatch.setattr(SharedRatings, "__init__", init)
    monkeypatch.setattr(FastExport, "read_ratings", read_ratings)
    mine = write_export(case.project, tmp_path / "sql", sql=True)
    assert_same_export(tmp_path / "python", python, tmp_path / "sql", mine)
    (shared,) = made
    assert len(shared.ranges) >= 3
    assert set(shared.by_session) == {"first", "second"}
    read_ranges = sorted(shared.by_session["first"] + shared.by_session["second"])
    assert read_ranges == list(range(len(shared.ranges)))
