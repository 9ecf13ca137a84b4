"""Datasette's own pages in a reader's order: data tables first, a useful first query."""
