"""The month every $ per month figure counts: a module of its own, with nothing imported.

Pricing's records (`hangar.cost.report`) and the sizing estimates (`hangar.sizing.throughput`) share it, and a
report read back from the cache (`hangar diff`, a warm `hangar cost`) must not import sizing and the catalog for
one number.
"""

HOURS_PER_MONTH = 720
"""A 30-day month, as the budget rule and `hangar.cost` count it."""
