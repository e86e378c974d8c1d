"""`field__any=[...]`: membership in a list, passed as ONE array parameter on PostgreSQL.

`__in` spells out one placeholder per value; for a 500-record batch Django prepares 500
parameters one by one and PostgreSQL parses 500 literals, several milliseconds per lookup
(docs/performance.md, "Partner API"). `= ANY(%s)` sends the list as a single array. Other
databases get the plain `IN (...)`.

`array_param(values)`: the array parameter itself. A list of integers or UUIDs goes as the
array's text (`{1,2,3}`), made by one `join`: psycopg turns a Python list into an SQL literal
value by value, in Python (~0.3 ms for 500 ids, three times the join's cost).
"""

from __future__ import annotations

import uuid
from typing import Any as AnyType

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


def array_param(values: list) -> AnyType:
    """`values` as one PostgreSQL array parameter (cast it: `%s::bigint[]`, `%s::uuid[]`)."""
    if all(type(value) is int or isinstance(value, uuid.UUID) for value in values):
        return "{" + ",".join(map(str, values)) + "}"
    return values


def membership_sql(connection: AnyType, lhs: str, values: list, cast: str) -> tuple[str, list]:
    """(SQL, params) for "`lhs` is one of `values`": `= ANY(%s::cast[])` with one array
    parameter on PostgreSQL, the plain `IN (...)` elsewhere. `values` must not be empty."""
    if connection.vendor == "postgresql":
        return f"{lhs} = ANY(%s::{cast}[])", [array_param(values)]
    return f"{lhs} IN ({', '.join(['%s'] * len(values))})", list(values)


@Field.register_lookup
@ForeignObject.register_lookup
class Any(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        field = self.lhs.output_field
        return [field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection, prepared=True) for value in self.rhs]
        if not values:
            raise EmptyResultSet  # as `__in` does: the query is not even sent
        cast = field.db_type(connection).split("(", 1)[0]
        sql, params = membership_sql(connection, lhs, values, cast)
        return sql, [*lhs_params, *params]
