"""A compiled query finds what its queryset finds, for any values (text, keys, UUIDs, values
put in through their field), with the rows converted as the ORM converts them; it is
compiled once per connection; a value it cannot place is an error, never a query with a
marker in it. A shaped statement is, for any words, the statement its words build."""

from __future__ import annotations

import uuid
from unittest import mock

import pytest
from django.db import DEFAULT_DB_ALIAS, NotSupportedError, connection
from django.db.models import F, Q
from django.test import TestCase
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from ketamine_care.accounts.models import Clinic
from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.compiled import (
    INT,
    INTS,
    TEXT,
    UUID_VALUE,
    CompiledQuery,
    ShapedStatement,
    compiled_statements,
    through,
)
from ketamine_care.core.lookups import AnyOf
from ketamine_care.treatment_sessions.models import VitalSignsReading


def clinics_named(name_from, names=("id", "name", "created_at")):
    return Clinic.objects.filter(name__gte=name_from).order_by("name").values_list(*names)


PREPARED = CompiledQuery("test-clinics-named", clinics_named, name_from=TEXT)


class CompiledQueryPropertyTests(HypothesisTestCase):
    @settings(max_examples=25, deadline=None)
    @given(
        names=st.sets(st.text(alphabet="abc", min_size=1, max_size=3), max_size=6),
        name_from=st.text(alphabet="abc", max_size=3),
    )
    def test_it_finds_what_the_queryset_finds(self, names, name_from):
        for name in names:
            Clinic.objects.create(name=name)
        expected = list(clinics_named(name_from))
        self.assertEqual(PREPARED.rows(DEFAULT_DB_ALIAS, name_from=name_from), expected)


class CompiledQueryTests(TestCase):
    def test_it_compiles_once_per_connection(self):
        Clinic.objects.create(name="Once")
        prepared = CompiledQuery("test-once", clinics_named, name_from=TEXT)
        with mock.patch.object(prepared, "_compile", wraps=prepared._compile) as compile_:
            first = prepared.rows(DEFAULT_DB_ALIAS, name_from="O")
            second = prepared.rows(DEFAULT_DB_ALIAS, name_from="Z")
        self.assertEqual(compile_.call_count, 1)
        self.assertEqual([row[1] for row in first], ["Once"])
        self.assertEqual(second, [])
        # The time zone is the ORM's: an aware datetime, as the queryset gives.
        self.assertIsNotNone(first[0][2].tzinfo)

    def test_a_value_not_in_the_query_once_is_refused(self):
        prepared = CompiledQuery("test-missing", lambda **_: clinics_named("a"), name_from=TEXT)
        with self.assertRaisesMessage(ValueError, "name_from must be in the query once"):
            prepared.rows(DEFAULT_DB_ALIAS, name_from="a")


def clinics_by_keys(*, pk_from, public_id):
    """An integer and a UUID marker: a key range, and one public id (or any)."""
    return Clinic.objects.filter(Q(pk__gte=pk_from) & (Q(public_id=public_id) | Q(pk__lt=0)))


BY_KEYS = CompiledQuery("test-clinics-by-keys", clinics_by_keys, pk_from=INT, public_id=UUID_VALUE)


class KeyMarkerTests(HypothesisTestCase):
    """Integer and UUID values (a UUID stored natively on PostgreSQL, as hex on SQLite)."""

    @settings(max_examples=25, deadline=None)
    @given(count=st.integers(0, 4), pick=st.integers(0, 5), offset=st.integers(-1, 2))
    def test_it_finds_the_instances_the_queryset_finds(self, count, pick, offset):
        clinics = [Clinic.objects.create(name=f"k{n}") for n in range(count)]
        public_id = clinics[pick].public_id if pick < count else uuid.uuid4()
        pk_from = (clinics[0].pk if clinics else 1) + offset
        expected = list(clinics_by_keys(pk_from=pk_from, public_id=public_id))
        found = BY_KEYS.objects(Clinic, DEFAULT_DB_ALIAS, pk_from=pk_from, public_id=public_id)
        self.assertEqual(
            [(c.pk, c.public_id, c.name, c.created_at, c._state.db) for c in found],
            [(c.pk, c.public_id, c.name, c.created_at, c._state.db) for c in expected],
        )

    def test_a_key_or_uuid_of_another_type_is_refused(self):
        for values in ({"pk_from": "1", "public_id": uuid.uuid4()},
                       {"pk_from": True, "public_id": uuid.uuid4()},
                       {"pk_from": 1, "public_id": str(uuid.uuid4())}):  # fmt: skip
            with self.subTest(values=values), self.assertRaises(TypeError):
                BY_KEYS.rows(DEFAULT_DB_ALIAS, **values)


def clinics_like(words, *, joined=False):
    """Every kind of slot: a word as is, inside and at the start of a pattern, and a
    prefix's upper bound; `joined` puts two words in one value (never compiled)."""
    first, *rest = words
    rows = Clinic.objects.filter(name__contains=first)
    for word in rest:
        bound = word[:-1] + chr(ord(word[-1]) + 1)
        rows = rows.filter(
            Q(name__startswith=word) | Q(name=word) | Q(name__gte=word, name__lt=bound)
        )
    if joined and rest:
        rows = rows.filter(name=first + rest[0])
    return rows.values_list("id").query.sql_with_params()


SHAPED = ShapedStatement("test-clinics-like", clinics_like)
WORDS = st.lists(
    st.text(alphabet="ab%_\\\ue000\ue002K", min_size=1, max_size=4), min_size=1, max_size=4
)


class ShapedStatementTests(HypothesisTestCase):
    @settings(max_examples=40, deadline=None)
    @given(words=WORDS, joined=st.booleans())
    def test_a_shape_gives_the_statement_its_words_build(self, words, joined):
        alias = DEFAULT_DB_ALIAS
        for same_shape in (words, [w[::-1] for w in words]):
            sql, params = SHAPED.sql(alias, same_shape, (joined,), joined=joined)
            built_sql, built_params = clinics_like(same_shape, joined=joined)
            self.assertEqual((sql, list(params)), (built_sql, list(built_params)))
        compiled = compiled_statements(alias)["shapes"]
        template = compiled[(SHAPED.name, tuple(len(w) for w in words), (joined,))]
        self.assertEqual(template is None, joined and len(words) > 1)


class ThroughFieldTests(TestCase):
    def test_a_sentinel_that_is_not_one_parameter_is_refused(self):
        field = VitalSignsReading._meta.get_field("bp_systolic_mmhg")
        twice = CompiledQuery(
            "test-twice",
            lambda value: VitalSignsReading.objects.filter(
                bp_systolic_mmhg=value, bp_diastolic_mmhg=value
            ).values_list("pk"),
            value=through(field, 251),
        )
        with self.assertRaisesRegex(ValueError, "exactly one parameter"):
            twice.rows(DEFAULT_DB_ALIAS, value=120)


def events_of_chain(chain):
    """Columns with converters on both backends (JSON; on SQLite times, booleans and UUIDs
    too) and a `select_related` clinic: what a kept compilation must still convert."""
    return AuditEvent.objects.select_related("clinic").filter(chain=chain).order_by("seq")


EVENTS = CompiledQuery("test-events-of-chain", events_of_chain, chain=TEXT)
EVENT_ROWS = CompiledQuery(
    "test-event-rows",
    lambda chain: events_of_chain(chain).values_list(
        "seq", "changes", "occurred_at", "client_ip", "clinic__public_id", "clinic__name"
    ),
    chain=TEXT,
)
ADDRESSES = [None, "10.0.0.1", "2001:db8::1"]
# jsonb holds no NUL character.
JSON_TEXT = st.text(st.characters(blacklist_characters="\x00", codec="utf-8"), max_size=5)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**31), 2**31) | JSON_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(JSON_TEXT, inner),
    max_leaves=6,
)


class KeptConversionTests(HypothesisTestCase):
    """The converters and instance layout of a compiled query are worked out once per
    connection (`_Compiled`); every later run, with other rows, still gives exactly what
    the ORM gives."""

    @settings(max_examples=30, deadline=None)
    @given(
        events=st.lists(
            st.tuples(st.dictionaries(JSON_TEXT, JSON_VALUES), st.sampled_from(ADDRESSES)),
            max_size=4,
        ),
        chain=st.sampled_from(["a", "b"]),
    )
    def test_each_run_converts_as_the_orm(self, events, chain):
        clinic = Clinic.objects.create(name=f"Kept {uuid.uuid4().hex[:8]}")
        for seq, (changes, ip) in enumerate(events, start=1):
            AuditEvent.objects.create(
                chain=chain, seq=seq, occurred_at=timezone.now(), clinic=clinic,
                event_type="test", changes=changes, client_ip=ip, prev_hash="0", hash="0",
            )  # fmt: skip
        for _ in range(2):  # the first run may compile; the second runs the kept one
            expected = list(events_of_chain(chain))
            found = EVENTS.objects(AuditEvent, DEFAULT_DB_ALIAS, chain=chain)
            self.assertEqual(
                [(_fields(e), _fields(e.clinic), e._state.db) for e in found],
                [(_fields(e), _fields(e.clinic), e._state.db) for e in expected],
            )
            rows = EVENT_ROWS.rows(DEFAULT_DB_ALIAS, chain=chain)
            self.assertEqual(rows, list(EVENT_ROWS.build(chain)))
            self.assertEqual([row[1] for row in rows], [changes for changes, _ in events])

    def test_a_model_query_is_not_run_for_another_model(self):
        with self.assertRaisesMessage(TypeError, "selects AuditEvent rows"):
            EVENTS.objects(Clinic, DEFAULT_DB_ALIAS, chain="a")


def clinics_any_of(ids):
    return Clinic.objects.filter(AnyOf(F("id"), ids)).order_by("id").values_list("id", "name")


ANY_OF = CompiledQuery("test-clinics-any-of", clinics_any_of, ids=INTS)


@pytest.mark.only_on("postgresql")
class AnyOfTests(HypothesisTestCase):
    """A list of keys as one array parameter: the rows `in` finds, for any number of keys,
    from one statement text."""

    @settings(max_examples=25, deadline=None)
    @given(count=st.integers(0, 4), picks=st.lists(st.integers(-2, 80), max_size=70))
    def test_it_finds_what_in_finds(self, count, picks):
        clinics = [Clinic.objects.create(name=f"any{n}") for n in range(count)]
        first = clinics[0].pk if clinics else 1
        ids = [first + pick for pick in picks]
        expected = list(Clinic.objects.filter(id__in=ids).order_by("id").values_list("id", "name"))
        self.assertEqual(list(clinics_any_of(ids)), expected)
        self.assertEqual(ANY_OF.rows(DEFAULT_DB_ALIAS, ids=ids), expected)

    def test_one_statement_for_any_number_of_keys(self):
        sqls = {clinics_any_of(list(range(n))).query.sql_with_params()[0] for n in (1, 60)}
        self.assertEqual(len(sqls), 1)
        self.assertIn("= ANY(%s::bigint[])", sqls.pop())

    def test_keys_of_another_type_are_refused(self):
        for ids in (["1"], [True], (1, 2), 1):
            with self.subTest(ids=ids), self.assertRaises(TypeError):
                ANY_OF.rows(DEFAULT_DB_ALIAS, ids=ids)


@pytest.mark.only_on("sqlite")
class AnyOfElsewhereTests(TestCase):
    def test_it_needs_postgresql(self):
        with self.assertRaisesMessage(NotSupportedError, "PostgreSQL"):
            list(clinics_any_of([1]))
        self.assertEqual(connection.vendor, "sqlite")


def _fields(instance):
    return [
        (field.attname, type(value), value)
        for field in instance._meta.concrete_fields
        for value in [getattr(instance, field.attname)]
    ]
