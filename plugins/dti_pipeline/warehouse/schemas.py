"""The warehouse's schemas, named once for the Python side of the pipeline.

- `raw`: what the extract DAGs land (the loader role owns it), with the load ledger and
  the quarantine.
- `dti_staging`, `dti_intermediate`, `dti_build`, `dti_reference`: dbt's layers; dbt names
  them itself (dbt_project.yml `+schema`, macros/generate_schema_name.sql), these constants
  say the same and a unit test keeps the two in step.
- `dti_publish`: the versioned tables of published months and the publication log.
- `dti_mart`: the views readers and BI tools see (current publications and the `bi_*` views).

This module imports nothing of the package, so any module may use it.
"""

from __future__ import annotations

RAW_SCHEMA = "raw"
STAGING_SCHEMA = "dti_staging"
INTERMEDIATE_SCHEMA = "dti_intermediate"
BUILD_SCHEMA = "dti_build"  # the marts dbt builds, before the gates and publication
REFERENCE_SCHEMA = "dti_reference"  # dbt seeds and their checksums
PUBLISH_SCHEMA = "dti_publish"
MART_SCHEMA = "dti_mart"  # the published mart, and the BI views on it

# dbt's layers, by the custom schema dbt_project.yml gives them
DBT_SCHEMAS = {
    "staging": STAGING_SCHEMA,
    "intermediate": INTERMEDIATE_SCHEMA,
    "build": BUILD_SCHEMA,
    "reference": REFERENCE_SCHEMA,
}
