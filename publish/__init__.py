"""Publishing: the SQLite database, the Data Package, the Datasette site and the atomic swap."""
