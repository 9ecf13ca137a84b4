"""Datasette plugins for terbuka sites: panels, catalog routes, charts and translations.

They read only what the publish stage wrote (the databases and their metadata) and never
import the pipeline.
"""
