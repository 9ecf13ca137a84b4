"""Pipelines: the CLI, the runner, source readers, domain transforms and the quality stage."""
