"""Declarative specs of the source systems, read from include/config/sources.yml."""

from dti_pipeline.sources.spec import EntitySpec, SourceSpec, load_sources

__all__ = ["EntitySpec", "SourceSpec", "load_sources"]
