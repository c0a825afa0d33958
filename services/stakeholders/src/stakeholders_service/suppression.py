"""Statistical disclosure control: moved to `shared.suppression` (the aggregates of every
service suppress counts of people); re-exported here for this service's importers."""

from shared.suppression import THRESHOLD, Cell, Distribution, suppress, suppressed_count

__all__ = ["THRESHOLD", "Cell", "Distribution", "suppress", "suppressed_count"]
