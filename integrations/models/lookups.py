"""`field__any=[...]`: membership in a list, passed as ONE array parameter on PostgreSQL.

`__in` spells out one placeholder per value; for a 500-record batch Django prepares 500
parameters one by one and PostgreSQL parses 500 literals, several milliseconds per lookup
(docs/performance.md, "Partner API"). `= ANY(%s)` sends the list as a single array. Other
databases get the plain `IN (...)`.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


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
        if connection.vendor == "postgresql":
            cast = field.db_type(connection).split("(", 1)[0]
            return f"{lhs} = ANY(%s::{cast}[])", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
