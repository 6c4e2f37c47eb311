"""The monthly HTML report."""
