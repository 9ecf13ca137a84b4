"""DCAT descriptions of published datasets (JSON-LD, Turtle, RDF/XML) with rdflib.

Follows DCAT-AP where it is specific (frequency and language vocabularies, contact point,
licence on every distribution), so that CKAN's DCAT harvester (ckanext-dcat) and European
portals read it. IRIs use the same paths as ckanext-dcat: ``{site}/dataset/{name}`` for a
dataset and ``{site}/dataset/{name}/resource/{id}`` for a distribution; the embedded
catalog serves them.
"""

from __future__ import annotations

from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, SKOS, XSD

from .mapping import FREQUENCIES, FREQUENCY_BASE, resource_specs, tag_name
from .published import Published
from .resources import ResourceSpec, download_url, entry_id

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LANGUAGE_BASE = "http://publications.europa.eu/resource/authority/language/"
LANGUAGES = {"id": "IND", "en": "ENG", "ms": "MSA", "jv": "JAV", "su": "SUN"}
MEDIA_TYPE_BASE = "https://www.iana.org/assignments/media-types/"
FORMATS = {"jsonld": "json-ld", "ttl": "turtle", "rdf": "xml", "xml": "xml"}
CONTENT_TYPES = {
    "json-ld": "application/ld+json",
    "turtle": "text/turtle",
    "xml": "application/rdf+xml",
}
CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "skos": str(SKOS),
    "owl": str(OWL),
    "xsd": str(XSD),
}


def new_graph() -> Graph:
    """A graph with the usual DCAT prefixes bound (so Turtle reads ``dcat:Dataset``)."""
    graph = Graph()
    for prefix, namespace in CONTEXT.items():
        graph.bind(prefix, Namespace(namespace))
    return graph


def dataset_iri(site: str, name: str) -> URIRef:
    """The dataset's IRI (ckanext-dcat's pattern: ``{site}/dataset/{name}``)."""
    return URIRef(f"{site}/dataset/{name}")


def _date(value: str | None) -> Literal | None:
    if not value:
        return None
    kind = XSD.dateTime if "T" in value else XSD.date
    return Literal(value, datatype=kind)


def _texts(graph: Graph, subject: Any, predicate: URIRef, value: Any) -> None:
    """A translatable descriptor text as language-tagged literals (``@id``, ``@en``)."""
    if isinstance(value, dict):
        for lang, text in value.items():
            if text:
                graph.add((subject, predicate, Literal(text, lang=lang)))
    elif value:
        graph.add((subject, predicate, Literal(value)))


def add_dataset(
    graph: Graph, published: Published, site: str, specs: list[ResourceSpec] | None = None
) -> URIRef:
    """Add one ``dcat:Dataset`` with its distributions; returns its IRI."""
    descriptor, run = published.descriptor, published.run
    licence = URIRef(published.licence.url)
    dataset = dataset_iri(site, published.name)
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCTERMS.identifier, Literal(published.name)))
    _texts(graph, dataset, DCTERMS.title, descriptor.get("title"))
    _texts(graph, dataset, DCTERMS.description, descriptor.get("description"))
    graph.add((dataset, DCTERMS.license, licence))
    graph.add((licence, RDF.type, DCTERMS.LicenseDocument))
    graph.add((licence, DCTERMS.title, Literal(published.licence.title)))
    graph.add((dataset, DCAT.landingPage, URIRef(f"{site}/{published.name}")))
    for keyword in descriptor.get("keywords") or []:
        if tag_name(keyword):
            graph.add((dataset, DCAT.keyword, Literal(keyword)))
    if descriptor.get("version"):
        graph.add((dataset, OWL.versionInfo, Literal(str(descriptor["version"]))))
    # dct:modified is when the *data* last changed (its latest date, pipelines/coverage.py);
    # dct:issued is when this publication went out. UK releases of 2014 republished today
    # are modified 2014, issued today.
    issued = _date(run.get("finished") or run.get("started"))
    data_end = (run.get("coverage") or {}).get("end")
    modified = _date(str(data_end)) if data_end else issued
    if modified is not None:
        graph.add((dataset, DCTERMS.modified, modified))
    if issued is not None:
        graph.add((dataset, DCTERMS.issued, issued))
    frequency = descriptor.get("update_frequency")
    if frequency in FREQUENCIES:
        graph.add(
            (dataset, DCTERMS.accrualPeriodicity, URIRef(FREQUENCY_BASE + FREQUENCIES[frequency]))
        )
    for code in descriptor.get("language") or []:
        if code in LANGUAGES:
            graph.add((dataset, DCTERMS.language, URIRef(LANGUAGE_BASE + LANGUAGES[code])))
    _publisher(graph, dataset, published)
    temporal = descriptor.get("temporal") or {}
    if temporal.get("start") or temporal.get("end"):
        period = BNode()
        graph.add((dataset, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        for key, predicate in (("start", DCAT.startDate), ("end", DCAT.endDate)):
            if temporal.get(key):
                graph.add((period, predicate, _date(str(temporal[key]))))
    if descriptor.get("spatial"):
        location = BNode()
        graph.add((dataset, DCTERMS.spatial, location))
        graph.add((location, RDF.type, DCTERMS.Location))
        graph.add((location, SKOS.prefLabel, Literal(descriptor["spatial"])))
    source = (descriptor.get("source") or {}).get("url")
    if source:
        graph.add((dataset, DCTERMS.source, URIRef(source)))
    for spec in specs if specs is not None else resource_specs(published, site):
        _distribution(graph, dataset, published, site, spec, licence)
    return dataset


def _publisher(graph: Graph, dataset: URIRef, published: Published) -> None:
    publisher = published.publisher
    if not publisher.get("name"):  # an example descriptor whose sources name no publisher
        return
    agent = URIRef(publisher["url"]) if publisher.get("url") else BNode()
    graph.add((dataset, DCTERMS.publisher, agent))
    graph.add((agent, RDF.type, FOAF.Organization))
    graph.add((agent, FOAF.name, Literal(publisher.get("name", ""))))
    if publisher.get("url"):
        graph.add((agent, FOAF.homepage, URIRef(publisher["url"])))
    contact = BNode()
    graph.add((dataset, DCAT.contactPoint, contact))
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(publisher.get("name", ""))))
    if publisher.get("email"):
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{publisher['email']}")))
    if publisher.get("url"):
        graph.add((contact, VCARD.hasURL, URIRef(publisher["url"])))


def _distribution(
    graph: Graph,
    dataset: URIRef,
    published: Published,
    site: str,
    spec: ResourceSpec,
    licence: URIRef,
) -> None:
    resource = entry_id(published.name, spec.key)
    distribution = URIRef(f"{site}/dataset/{published.name}/resource/{resource}")
    graph.add((dataset, DCAT.distribution, distribution))
    graph.add((distribution, RDF.type, DCAT.Distribution))
    graph.add((distribution, DCTERMS.title, Literal(spec.name)))
    if spec.description:
        graph.add((distribution, DCTERMS.description, Literal(spec.description)))
    graph.add((distribution, DCTERMS.format, Literal(spec.format)))
    graph.add((distribution, DCAT.mediaType, URIRef(MEDIA_TYPE_BASE + spec.mimetype)))
    graph.add((distribution, DCTERMS.license, licence))
    if spec.is_file:
        url = URIRef(download_url(site, published.name, spec))
        graph.add((distribution, DCAT.accessURL, url))
        graph.add((distribution, DCAT.downloadURL, url))
        if spec.path is not None and spec.path.exists():
            size = spec.path.stat().st_size
            graph.add((distribution, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
    else:
        graph.add((distribution, DCAT.accessURL, URIRef(spec.url)))


def catalog_graph(datasets: list[Published], site: str, title: str, description: str = "") -> Graph:
    """A ``dcat:Catalog`` of every published dataset: what a DCAT harvester reads."""
    graph = new_graph()
    catalog = URIRef(f"{site}/")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal(title)))
    if description:
        graph.add((catalog, DCTERMS.description, Literal(description)))
    graph.add((catalog, FOAF.homepage, URIRef(f"{site}/")))
    for published in datasets:
        graph.add((catalog, DCAT.dataset, add_dataset(graph, published, site)))
    return graph


def dataset_graph(published: Published, site: str) -> Graph:
    """The DCAT of one dataset."""
    graph = new_graph()
    add_dataset(graph, published, site)
    return graph


def serialize(graph: Graph, fmt: str) -> str:
    """``json-ld`` (compacted with the DCAT prefixes), ``turtle`` or ``xml``."""
    if fmt == "json-ld":
        return graph.serialize(format="json-ld", context=CONTEXT, indent=2)
    return graph.serialize(format=fmt)


def write_dcat(published: Published, site: str) -> None:
    """Write ``dcat.jsonld`` and ``dcat.ttl`` beside the data package."""
    graph = dataset_graph(published, site)
    for suffix, fmt in (("jsonld", "json-ld"), ("ttl", "turtle")):
        (published.folder / f"dcat.{suffix}").write_text(serialize(graph, fmt), encoding="utf-8")
