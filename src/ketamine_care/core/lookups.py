"""Lookups the ORM does not have."""

from __future__ import annotations

from django.db import NotSupportedError
from django.db.models import Lookup


class AnyOf(Lookup):
    """`lhs = ANY(%s::<lhs type>[])` (PostgreSQL): the values as one array parameter, so the
    statement's text is the same whatever their number. `lhs IN (%s, %s, ...)` has a text for
    every number of values, and psycopg parses a text with more than 50 parameters again on
    every run (it keeps the parsed form of shorter ones only): for the 100 administrations of
    a chart's page, most of the CPU of their alerts' query. Each value goes in through the
    left side's field, as `in` puts it in."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        field = self.lhs.output_field
        return "%s", [[field.get_db_prep_value(item, connection) for item in value]]

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            raise NotSupportedError("any_of needs PostgreSQL's arrays")
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        kind = self.lhs.output_field.db_type(connection)
        return f"{lhs} = ANY({rhs}::{kind}[])", [*lhs_params, *rhs_params]
