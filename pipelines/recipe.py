"""What a Dask worker needs to build a run's work context itself (issue 19).

The forked pool inherits the parent's context (the Presidio analyzer, the spaCy model,
the schema validators) for free; a Dask worker is a separate process, perhaps on another
machine, and pickling that context into every task would cost more than the work. So the
runner hands each task a small ``WorkRecipe``: which descriptor, the published Table
Schemas, the column plans settled for the whole run and the pseudonym key. A worker
builds the context from it once and keeps it, keyed by the recipe's digest, for every
later task of the same run.

The key is a secret: it is never logged or put in a record, and the recipe's ``repr``
leaves it out. Tasks travel unencrypted over ``tcp://`` unless the cluster uses TLS, so
the cluster must be a trusted, private network (docs/scaling.md).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from terbuka.privacy import PrivacyError

from .batch import Batch
from .errors import EXIT_BAD_INPUT, EXIT_STOPPED, EnvironmentFault, TerbukaError
from .work import WorkContext, process_in

# Settings read from the environment while transforming (the release schema to check
# against): a worker on another machine gets the parent's, not its own.
CARRIED_ENVIRONMENT = ("TERBUKA_OCDS_SCHEMA",)
_CONTEXTS: dict[str, WorkContext] = {}  # per worker process: recipe digest -> context


@dataclass(frozen=True)
class WorkRecipe:
    """A run's work context, as a few kilobytes a worker can rebuild it from."""

    descriptor: str  # the descriptor folder as the runner loaded it
    name: str  # the dataset name: a worker without that folder looks the name up
    fingerprint: str  # every descriptor file hashed: the worker's copy must match
    published: dict[str, dict[str, Any]] = field(repr=False)  # Table Schema per published table
    plans: dict[tuple[str, str], Any] = field(repr=False)  # settled column plans
    key: bytes = field(repr=False)  # keyed-hash pseudonyms: a secret, never shown
    environment: dict[str, str] = field(default_factory=dict)

    def digest(self) -> str:
        """Identifies the recipe in a worker's cache (a hash: the key is not recoverable)."""
        return hashlib.sha256(pickle.dumps(self, protocol=5)).hexdigest()


def recipe_of(context: WorkContext) -> WorkRecipe:
    """The recipe for the parent's ``context`` (its column plans already settled)."""
    descriptor = context.pipeline.descriptor
    if context.published is None:
        raise ValueError("the work context has no published schemas to build a recipe from")
    return WorkRecipe(
        descriptor=str(descriptor.folder),
        name=descriptor.name,
        fingerprint=descriptor.fingerprint,
        published=context.published,
        plans=context.redactor.plans(),
        key=context.redactor.hash_key,
        environment={k: os.environ[k] for k in CARRIED_ENVIRONMENT if k in os.environ},
    )


def context_for(recipe: WorkRecipe) -> WorkContext:
    """The context for ``recipe`` in this process: built on the first task, then reused."""
    digest = recipe.digest()
    context = _CONTEXTS.get(digest)
    if context is None:
        _CONTEXTS.clear()  # one run at a time per worker: drop the last run's model
        context = _CONTEXTS[digest] = build_context(recipe)
    return context


def forget_contexts() -> None:
    """Drop this worker's run contexts (their scanner caches hold source texts)."""
    _CONTEXTS.clear()


def build_context(recipe: WorkRecipe) -> WorkContext:
    """The pipeline, redactor and validators ``recipe`` describes, built in this process."""
    from terbuka.privacy import Redactor, load_policy
    from terbuka.privacy.scanner import TextScanner

    from . import plugins
    from .quality import validators_for

    os.environ.update(recipe.environment)
    descriptor = _descriptor(recipe)
    pipeline = plugins.pipelines()[descriptor.pipeline](descriptor)
    policy = load_policy(descriptor.privacy, descriptor.folder / "privacy.yml")
    scanner = TextScanner(extra_recognizers=tuple(plugins.recognizers()))
    redactor = Redactor(policy, scanner, recipe.key)
    redactor.adopt(recipe.plans)
    return WorkContext(pipeline, redactor, validators_for(recipe.published), recipe.published)


def _descriptor(recipe: WorkRecipe) -> Any:
    """The descriptor the parent used: its folder if this machine has it, else its name."""
    from . import descriptors

    folder = Path(recipe.descriptor)
    descriptor = descriptors.load(folder if folder.is_dir() else recipe.name)
    if descriptor.fingerprint != recipe.fingerprint:
        raise EnvironmentFault(
            f"{descriptor.folder}: this worker's descriptor differs from the one the run "
            "started with; install the same descriptors on every worker"
        )
    return descriptor


@dataclass(frozen=True)
class TaskFailure:
    """terbuka's own error in a task, as a value: its one line and what the run does next.

    terbuka's exceptions carry more than their message (``InputError``'s path and row), so
    they do not survive pickling; the line and the exit code are what the runner needs.
    """

    message: str
    exit_code: int
    privacy: bool = False

    def raise_again(self) -> None:
        """Raise it in the runner as the worker did: a privacy stop, or a failed run."""
        if self.privacy:
            raise PrivacyError(self.message)
        error = TerbukaError(self.message)
        error.exit_code = self.exit_code
        raise error


def process_task(recipe: WorkRecipe, unit: Any) -> Batch | TaskFailure:
    """One unit on a worker: transform, privacy, row checks, with the recipe's context.

    terbuka's own errors (bad input, a privacy stop) come back as values: they would fail
    the same way on any worker, so they are not retried; anything else raises, and Dask
    retries the task.
    """
    from terbuka.metadata import DescriptorError

    try:
        return process_in(context_for(recipe), unit)
    except PrivacyError as error:
        return TaskFailure(str(error), EXIT_STOPPED, privacy=True)
    except (TerbukaError, DescriptorError) as error:
        return TaskFailure(str(error), getattr(error, "exit_code", EXIT_BAD_INPUT))
