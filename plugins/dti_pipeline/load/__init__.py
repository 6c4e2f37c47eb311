"""Raw landing: COPY into raw tables, the load ledger, quarantine."""
