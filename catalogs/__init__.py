"""Catalogs: CKAN publishing with ckanapi, DCAT and schema.org descriptions of datasets."""
