"""Patient search that stays fast at a million patients.

Results come in the order of one index, (clinic, family name, given name, id), a page at a
time: the next page starts after the last patient shown (a keyset cursor, that patient's
public id), so no page sorts or skips the matches before it. The count is exact up to
`settings.PATIENT_SEARCH_EXACT_COUNT_LIMIT` matches (a count bounded by a LIMIT); beyond
that it is the database's estimate and says so.

A word of a query matches the start of the given name, the family name or the MRN; a word of
three characters or more also matches inside a name ("arci" finds Garcia: a trigram index on
PostgreSQL, migration 0005); a date matches the date of birth exactly. A query with no word
of at least two characters and no date finds only the patient with exactly that MRN, and
says why, instead of scanning the clinic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import connections
from django.db.models import F, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.db.models.utils import create_namedtuple_class

from ketamine_care.core.compiled import ShapedStatement, statement_cursor
from ketamine_care.patients.models import Patient, SearchName
from ketamine_care.patients.search_cursor import ORDER, after_cursor
from ketamine_care.patients.search_sql import (
    InArrayOf,
    codepoint_ordered,
    counts_sql,
    first_page_sql,
    planner_estimate,
    walked_page_sql,
)

MIN_CHARACTERS = 2
INFIX_CHARACTERS = 3
MAX_WORDS = 5
TOO_SHORT_MESSAGE = (
    f"Type at least {MIN_CHARACTERS} letters of a name, a whole MRN or a date of birth "
    "(YYYY-MM-DD)."
)
# At most this many matches are sorted after filtering; more are read in index order.
SORT_AT_MOST = 1_000
# The same order as ORDER, by an expression no index provides: the planner filters first.
SORTED_AFTER_FILTERING = (Concat("family_name_search", Value("")), "given_name_search", "id")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y")


def parse_date_query(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def query_words(query: str) -> list[str]:
    return [w for w in re.split(r"[\s,]+", (query or "").strip().lower())[:MAX_WORDS] if w]


def is_too_short(query: str) -> bool:
    """True for a query that names too little to search by (one letter): only an exact MRN."""
    words = query_words(query)
    return bool(words) and not any(len(w) >= MIN_CHARACTERS or parse_date_query(w) for w in words)


def _word_branches(
    word: str,
    names: QuerySet[SearchName] | None = None,
    *,
    ordered: bool = False,
    probed: bool = False,
) -> list[Q]:
    """The alternatives a word matches by (any one suffices). With `names` (the clinic's
    `SearchName`s), a name containing the word is one of the names that contain it: the
    same patients, found by equality on the names' indexes instead of a lossy trigram
    lookup that rechecks every row it proposes. `ordered` (a page's ways of matching): the
    given name keeps its pattern, read by walking the search order's index, because
    patients found by given name come in given-name order and would all have to be sorted;
    family names read in the names' order are already in the search order. `probed` (the
    ways a count reads, each on its own): the names containing the word are looked up one by
    one on the patients' name indexes (`search_sql.InArrayOf`) instead of the planner's
    choice of reading every patient of the clinic to hash-join them; a word that only
    filters another word's ways keeps the hashed `IN`, probed once per candidate row."""
    dob = parse_date_query(word)
    if dob:
        return [Q(date_of_birth=dob)]
    if names is not None and len(word) >= INFIX_CHARACTERS:
        containing = names.filter(name__contains=word).values("name")
        given = containing.filter(part=SearchName.Part.GIVEN)
        family = containing.filter(part=SearchName.Part.FAMILY)
        if probed:
            family_way = Q(InArrayOf(F("family_name_search"), family))
            given_way = Q(InArrayOf(F("given_name_search"), given))
        else:
            family_way = Q(family_name_search__in=family)
            given_way = Q(given_name_search__in=given)
        if ordered:
            given_way = Q(given_name_search__contains=word)
        return [family_way, given_way, Q(mrn_search__startswith=word)]
    names_by = "contains" if len(word) >= INFIX_CHARACTERS else "startswith"
    return [
        Q(**{f"family_name_search__{names_by}": word}),
        Q(**{f"given_name_search__{names_by}": word}),
        Q(mrn_search__startswith=word),
    ]


def _word_filter(word: str, names: QuerySet[SearchName] | None = None) -> Q:
    branches = _word_branches(word, names)
    combined = branches[0]
    for branch in branches[1:]:
        combined |= branch
    return combined


def matching_patients(clinic, query: str = "") -> QuerySet[Patient]:
    """Active patients of `clinic` matching every word of `query`, in no particular order."""
    patients = Patient.objects.active().filter(clinic=clinic)
    if is_too_short(query):
        return patients.filter(mrn_search=query.strip().lower())
    for word in query_words(query):
        patients = patients.filter(_word_filter(word))
    return patients


def search_patients(clinic, query: str = "") -> QuerySet[Patient]:
    """The matches in index order: what every page of a search is a slice of."""
    return matching_patients(clinic, query).order_by(*ORDER)


@dataclass(frozen=True)
class SearchPage:
    patients: list[Patient]
    count: int
    count_estimated: bool
    next_cursor: str | None
    too_short: bool


def search_page(clinic, query="", *, cursor="", limit=25, offset=0, fields: tuple[str, ...] = ()):
    """One page of a search: `limit` patients after `cursor` (or `offset`), the count of all
    matches (exact, or an estimate beyond the limit) and the cursor of the next page. With
    `fields` (public_id among them), each patient is a named row of those fields only."""
    alias = Patient.objects.db
    if fields and not cursor and not _one_query(query, alias):
        return _first_page(clinic, query, alias, fields, offset, limit)
    return _any_page(clinic, query, cursor=cursor, limit=limit, offset=offset, fields=fields)


def _any_page(clinic, query, *, cursor, limit, offset, fields) -> SearchPage:
    """`search_page` by the bounded count (`_search_counts`), then `_page`: any page."""
    matches = matching_patients(clinic, query)
    after = after_cursor(clinic, cursor) if cursor else Q()
    count, estimated, ids = _search_counts(matches, clinic, query)
    page = _page(clinic, query, matches, after, offset, limit + 1, few=ids)
    rows = list(page.values_list(*fields, named=True) if fields else page)
    return _page_of(rows, limit, count, estimated, too_short=is_too_short(query))


def _page_of(rows, limit: int, count: int, estimated: bool, *, too_short: bool) -> SearchPage:
    """The page of `rows` (read one past `limit`, to know whether a next page exists)."""
    more = len(rows) > limit
    rows = rows[:limit]
    return SearchPage(
        patients=rows,
        count=count,
        count_estimated=estimated,
        next_cursor=str(rows[-1].public_id) if more and rows else None,
        too_short=too_short,
    )


def _first_page(clinic, query: str, alias: str, fields, offset: int, limit: int) -> SearchPage:
    """A first page (no cursor) of named rows where the search has ways of matching
    (PostgreSQL), as `_any_page` answers it (the same count, estimate, rows and cursor), from
    statements compiled once per shape instead of querysets built per request: the bounded
    count, the merge of its ids and, when the matches are few, their page, in one statement
    (`search_sql.first_page_sql`: no id crosses the wire); when they are many, or the count is past
    the limit, the page walked in index order (`_walked_page_statement`) in a second. Both
    are prepared on PostgreSQL (`core.compiled.statement_cursor`), planned per run."""
    exact_limit = settings.PATIENT_SEARCH_EXACT_COUNT_LIMIT
    words = query_words(query)
    columns = tuple(Patient._meta.get_field(name).column for name in fields)
    at = (offset, limit + 1)
    shape = (clinic.pk, exact_limit, SORT_AT_MOST, at, columns)
    sql, params = _FIRST_PAGE.sql(
        alias,
        words,
        shape,
        clinic=clinic,
        alias=alias,
        limit=exact_limit,
        sort_at_most=SORT_AT_MOST,
        at=at,
        columns=columns,
    )
    with statement_cursor(connections[alias]) as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    number = found[0][0]
    row = create_namedtuple_class(*fields)
    if number is not None and number <= min(exact_limit, SORT_AT_MOST):
        # The page's rows (an empty page: one row of the count, with a NULL id).
        rows = [row(*values[2:]) for values in found if values[1] is not None]
    else:
        shape = (clinic.pk, at, columns)
        sql, params = _WALKED_PAGE.sql(
            alias, words, shape, clinic=clinic, alias=alias, at=at, columns=columns
        )
        with statement_cursor(connections[alias]) as cursor:
            cursor.execute(sql, params)
            rows = [row(*values[1:]) for values in cursor.fetchall()]
    if number is None or number > exact_limit:
        count, estimated = planner_estimate(matching_patients(clinic, query), exact_limit), True
    else:
        count, estimated = number, False
    return _page_of(rows, limit, count, estimated, too_short=False)


def _page(clinic, query: str, matches, after: Q, offset: int, size: int, *, few=None):
    """`size` matches after `after` and `offset`, in the search order.

    A word matches by family name, given name or MRN, and no one index gives the matches of
    all three in the search order: walking the order index and filtering reads the whole
    alphabet before "ka%" family names when no given name starts so; sorting all matches
    costs as many rows as there are. On PostgreSQL each way a word matches is its own
    ordered, limited query (a range or an index-only walk of the order index for names, the
    pattern index for MRNs) reading only the order's columns, the page's ids are the first
    `size` of their union, and only those rows are then read whole: the same rows as the one
    query, each found from its best index without visiting the table for rows not shown.

    With `few` matches (the ids the bounded count found, at most SORT_AT_MOST), walking the
    order index until a page is found could read most of the clinic, and the planner cannot
    know it (it guesses how selective words are): those ids are sorted instead, without
    searching again. Where one query serves (SQLite, a date), the matches are filtered and
    sorted (`SORTED_AFTER_FILTERING`) when the count is at most SORT_AT_MOST."""
    if _one_query(query, matches.db):
        order = SORTED_AFTER_FILTERING if few is not None else ORDER
        return matches.filter(after).order_by(*order)[offset : offset + size]
    if few is not None:
        chosen = Patient.objects.filter(clinic=clinic, pk__in=few)
        return chosen.filter(after).order_by(*ORDER)[offset : offset + size]
    if after:
        branches = _branches(clinic, query, matches.db, by_name=True, ordered=True)
        sql, params = _page_keys(branches, after, offset, size).query.sql_with_params()
    else:
        shape = (clinic.pk, offset, size)
        sql, params = _PAGE_KEYS.sql(
            matches.db, query_words(query), shape, clinic=clinic, alias=matches.db, at=shape[1:]
        )
    chosen = RawSQL(f"SELECT page.id FROM ({sql}) AS page", params)  # noqa: S611 (built SQL)
    return Patient.objects.filter(pk__in=chosen).order_by(*ORDER)


def _page_keys(branches, after: Q, offset: int, size: int) -> QuerySet:
    """The order's columns of the page's patients: the first `size` after `offset` of the
    union of each way of matching's first `offset + size`, each read from its index alone."""
    keys = [b.filter(after).order_by(*ORDER).values_list(*ORDER)[: offset + size]
            for b in branches]  # fmt: skip
    return keys[0].union(*keys[1:]).order_by(*ORDER)[offset : offset + size]


def _first_page_keys(words, *, clinic, alias: str, at: tuple[int, int]):
    branches = _branches(clinic, " ".join(words), alias, by_name=True, ordered=True)
    return _page_keys(branches, Q(), *at).query.sql_with_params()


def _counts_statement(words, *, clinic, alias: str, limit: int):
    branches = _branches(clinic, " ".join(words), alias, by_name=True)
    sqls = [b.order_by().values("id")[: limit + 1].query.sql_with_params() for b in branches]
    return counts_sql(sqls, limit)


def _first_page_statement(words, *, clinic, alias, limit, sort_at_most, at, columns):
    branches = _branches(clinic, " ".join(words), alias, by_name=True)
    sqls = [b.order_by().values("id")[: limit + 1].query.sql_with_params() for b in branches]
    counts = counts_sql(sqls, limit)
    few = min(limit, sort_at_most)
    return first_page_sql(
        len(sqls), counts, clinic.pk, limit, few, at, columns, Patient._meta.db_table
    )


def _walked_page_statement(words, *, clinic, alias, at, columns):
    """The page's rows where there are many matches: the order's keys of each way of
    matching (`_first_page_keys`), their first `size` after `offset`, then those rows."""
    keys, params = _first_page_keys(words, clinic=clinic, alias=alias, at=at)
    return walked_page_sql(keys, params, clinic.pk, columns, Patient._meta.db_table)


# Every search builds these statements from its words; their SQL depends only on how many
# words there are and how long each is, so each shape is compiled once per connection.
_PAGE_KEYS = ShapedStatement("patient-search-page", _first_page_keys)
_COUNTS = ShapedStatement("patient-search-counts", _counts_statement)
_FIRST_PAGE = ShapedStatement("patient-search-first-page", _first_page_statement)
_WALKED_PAGE = ShapedStatement("patient-search-walked-page", _walked_page_statement)


def _branches(
    clinic, query: str, alias: str, *, by_name: bool = False, ordered: bool = False
) -> list[QuerySet[Patient]] | None:
    """The query split by the ways its most selective word matches (their union is the
    query), or None where one query serves (a date, a short query, SQLite). `by_name`: words
    found inside names are looked up among the clinic's names (`_word_branches`), so that
    each way of matching is read from one index alone (for counting: no order needed)."""
    if _one_query(query, alias):
        return None
    words = query_words(query)
    split = max(words, key=len)
    others = Patient.objects.active().filter(clinic=clinic)
    rest = list(words)
    rest.remove(split)
    names = SearchName.objects.filter(clinic=clinic) if by_name else None
    for word in rest:
        others = others.filter(_word_filter(word, names))
    branches = _word_branches(split, names, ordered=ordered, probed=by_name and not ordered)
    if len(split) < INFIX_CHARACTERS and ord(split[-1]) < 0x10FFFF and codepoint_ordered(alias):
        # A prefix is a range of the order index when text sorts by code point ("C").
        after_prefix = split[:-1] + chr(ord(split[-1]) + 1)
        branches[0] &= Q(family_name_search__gte=split, family_name_search__lt=after_prefix)
    return [others.filter(branch) for branch in branches]


def _one_query(query: str, alias: str) -> bool:
    """True where one query serves (a date, a short query, SQLite): no ways of matching."""
    words = query_words(query)
    return (
        is_too_short(query)
        or not words
        or any(parse_date_query(w) for w in words)
        or not connections[alias].features.supports_slicing_ordering_in_compound
    )


def _bounded_ids(matches, branches, limit: int) -> QuerySet:
    """The ids to count in one query: at most limit + 1 of each way of matching (on its own
    index), or of the one query. More than `limit` of them means more than `limit` matches."""
    if not branches:
        return matches.order_by().values("id")[: limit + 1]
    ids = [b.order_by().values("id")[: limit + 1] for b in branches]
    return ids[0].union(*ids[1:])


def _search_counts(matches, clinic, query: str) -> tuple[int, bool, set[int] | None]:
    """`_bounded_count` of the search's ways of matching, its statement compiled per shape."""
    if _one_query(query, matches.db):
        return _bounded_count(matches, None)
    words, alias, limit = query_words(query), matches.db, settings.PATIENT_SEARCH_EXACT_COUNT_LIMIT
    shape = (clinic.pk, limit)
    counts = _COUNTS.sql(alias, words, shape, clinic=clinic, alias=alias, limit=limit)
    return _bounded_count(matches, (), counts)


def _bounded_count(matches, branches, counts=None) -> tuple[int, bool, set[int] | None]:
    """(count, estimated, ids): `count_matches`, and the matches' ids when there are at most
    SORT_AT_MOST of them (the page then sorts those instead of searching again).

    With ways of matching (PostgreSQL), they are counted one way at a time, at most
    limit + 1 of each, and their ids come back while within the limit: once one way alone,
    or those read so far together, pass the limit, the others are not needed. All in one
    statement (`search_sql.counts_sql`; `counts`: that statement, already compiled): a way
    of matching is read only if no way before it passed the limit."""
    limit = settings.PATIENT_SEARCH_EXACT_COUNT_LIMIT
    if not branches and counts is None:
        count, estimated = count_matches(matches)
        few = not estimated and count <= SORT_AT_MOST
        return count, estimated, set() if few else None
    if counts is None:
        sqls = [b.order_by().values("id")[: limit + 1].query.sql_with_params() for b in branches]
        counts = counts_sql(sqls, limit)
    with connections[matches.db].cursor() as cursor:
        cursor.execute(*counts)
        counted = cursor.fetchone()
    found: set[int] = set()
    for number, *ids in counted:
        if number > limit:
            return planner_estimate(matches, limit), True, None
        found.update(ids)
        if len(found) > limit:
            return planner_estimate(matches, limit), True, None
    return len(found), False, found if len(found) <= SORT_AT_MOST else None


def count_matches(matches: QuerySet[Patient], branches=None) -> tuple[int, bool]:
    """(count, estimated): exact up to the limit, counted with a LIMIT so a broad term stops
    there; beyond it the planner's estimate (never below the limit) on PostgreSQL, the full
    count on SQLite (small databases), both marked estimated so the answer has one shape."""
    limit = settings.PATIENT_SEARCH_EXACT_COUNT_LIMIT
    bounded = _bounded_ids(matches, branches, limit).count()
    if bounded <= limit:
        return bounded, False
    return planner_estimate(matches, limit), True
