"""The typed contracts of terbuka's extension points.

Every unit a plugin can register — reader, source, pipeline (domain), check, red flag,
recognizer, publisher — is described here as a :class:`typing.Protocol`: what the runner
and the descriptor loader rely on, and nothing more. Built-in units satisfy the same
protocols as third-party ones (they are registered through the same hooks, see
``default_plugins``), and ``tests/test_plugins.py`` checks every registered unit against
its protocol. ``docs/plugins.md`` documents them with the hooks that register them.

The protocols describe classes (units are registered as classes, not instances), so
attributes are class attributes and ``read``/``pull``/``evaluate`` are the call shapes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .batch import Batch
    from .readers import Input, Member
    from .sources import Payload, PullContext, SourceReport


@runtime_checkable
class Reader(Protocol):
    """Reads one kind of file (``Member``) into items: OCDS releases or rows.

    ``sniff`` scores how well the first bytes fit (0 – 1) so the best reader wins whatever
    the file is called; ``read`` streams items and never loads a whole file.
    """

    id: ClassVar[str]
    title: ClassVar[str]

    @staticmethod
    def sniff(member: Member) -> float: ...

    @staticmethod
    def read(member: Member, *args: Any, **kwargs: Any) -> Iterator[Any]: ...


@runtime_checkable
class Source(Protocol):
    """A kind of place a descriptor's ``sources`` entry pulls from (HTTP, an API, CKAN …).

    ``requires`` and ``accepts`` are the keys its spec must and may have; the loader
    rejects any other key with a one-line error naming the file and line.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    requires: ClassVar[tuple[str, ...]]
    accepts: ClassVar[Any]

    @staticmethod
    def pull(spec: dict[str, Any], ctx: PullContext, report: SourceReport) -> list[Payload]: ...


@runtime_checkable
class Pipeline(Protocol):
    """A domain: turns one dataset's inputs into its output tables, unit by unit.

    ``extract`` stages every input (returning rejected records as a batch), ``batches``
    yields independent units of work (one ``ocid``, a chunk of rows) that a worker pool
    runs through ``transform``, privacy and row checks.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    tables: ClassVar[Any]
    primary_table: ClassVar[str]

    def extract(self, inputs: list[Input], staging: Any, progress: Any = None) -> Batch: ...

    def count_units(self, staging: Any) -> int: ...

    def batches(self, staging: Any, inputs: list[Input]) -> Iterator[Any]: ...

    def transform(self, unit: Any) -> Batch: ...


@runtime_checkable
class Check(Protocol):
    """A quality check with a stable kebab-case id, switched on by id from YAML.

    ``kind`` says where it runs: ``rule`` (expectations.yml, per table), ``flag`` (the
    dataset-level gate) or ``pipeline`` (a domain's own row checks).
    """

    id: ClassVar[str]
    kind: ClassVar[str]
    title: ClassVar[Any]


@runtime_checkable
class RedFlagIndicator(Protocol):
    """A procurement red flag: evaluates the published tables, yields one flag per hit.

    ``defaults`` are its settings (overridable per descriptor under ``red_flags``);
    ``methodology_url`` is where its definition and thresholds are documented.
    """

    id: ClassVar[str]
    title: ClassVar[dict[str, str]]
    defaults: ClassVar[dict[str, Any]]
    methodology_url: ClassVar[str]

    def evaluate(self, db: Any) -> Iterator[Any]: ...


@runtime_checkable
class Recognizer(Protocol):
    """A Presidio ``EntityRecognizer`` subclass: finds one or more entity types in text."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]: ...


@runtime_checkable
class Publisher(Protocol):
    """Where a finished publication goes besides Datasette (a CKAN catalog …)."""

    id: ClassVar[str]
    title: ClassVar[str]
