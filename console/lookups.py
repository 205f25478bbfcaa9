"""`field__any=[…]`: membership in a list as one parameter, whatever its length.

`field__in` sends one placeholder per value: a batch of 10,000 shares makes a statement of
10,000 parameters that the driver parses, and each batch size is a new statement to
prepare. On PostgreSQL `= ANY(%s)` passes the list as one array; elsewhere it is `IN`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Lookup


class AnyOf(Lookup):
    """The value is one of the list's (an empty list matches nothing)."""

    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[object]:
        """Each value prepared as the field prepares one."""
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection) -> tuple[str, list[object]]:
        """`= ANY(array)` on PostgreSQL, `IN (…)` elsewhere."""
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(v, connection, prepared=True) for v in self.rhs]
        if not values:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::{field.db_type(connection)}[])", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


models.Field.register_lookup(AnyOf)
# Relations keep their own lookups (a foreign key compares its column, the target's key).
models.ForeignObject.register_lookup(AnyOf)
