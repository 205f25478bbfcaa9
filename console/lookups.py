"""`field__any=[…]`: membership in a list as one parameter, whatever its length.

`field__in` sends one placeholder per value: a batch of 10,000 shares makes a statement of
10,000 parameters that the driver parses, and each batch size is a new statement to
prepare. On PostgreSQL `= ANY(%s)` passes the list as one array; elsewhere it is `IN`.
The rows are those `field__in` finds: `None` matches nothing, nor does an integer beyond
the column's range.
"""

from __future__ import annotations

import re

from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import Lookup

_INTEGER_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}


class AnyOf(Lookup):
    """The value is one of the list's (an empty list matches nothing)."""

    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[object]:
        """Each value prepared as the field prepares one; model instances by their key."""
        field = self.lhs.output_field
        values = (getattr(value, "pk", value) if field.is_relation else value for value in self.rhs)
        return [field.get_prep_value(value) for value in values if value is not None]

    def as_sql(self, compiler, connection) -> tuple[str, list[object]]:
        """`= ANY(array)` on PostgreSQL, `IN (…)` elsewhere."""
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(v, connection, prepared=True) for v in self.rhs]
        internal = (field.target_field if field.is_relation else field).get_internal_type()
        if internal in _INTEGER_TYPES:
            low, high = connection.ops.integer_field_range(internal)
            values = [
                v for v in values if (low is None or v >= low) and (high is None or v <= high)
            ]
        if not values:
            # As `__in` does: the condition is false, and the query is not sent at all.
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            # The column's type without its length or precision, which a cast would apply.
            array_type = re.sub(r"\(.*\)", "", field.db_type(connection))
            return f"{lhs} = ANY(%s::{array_type}[])", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


models.Field.register_lookup(AnyOf)
# Relations keep their own lookups (a foreign key compares its column, the target's key).
models.ForeignObject.register_lookup(AnyOf)
