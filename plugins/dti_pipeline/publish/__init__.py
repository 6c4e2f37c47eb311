"""Atomic publication of a built month to the BI-facing mart."""
