"""Table templates from the SHACL shapes: ``innograph template CLASS`` (issue 8).

For a class, the node shapes that target it (ontology/shapes.ttl) say everything a table needs:
one column per property shape (per language for language-tagged labels), required when
``sh:minCount`` / ``sh:qualifiedMinCount`` is at least 1, the datatype from ``sh:datatype`` (or the
coarsest of an ``sh:or`` of datatypes), allowed values from ``sh:in`` or, for ``sh:class``, the
instances of that class in the store. Nothing here lists columns by hand: a new property shape
is a new column. ``write_template`` writes ``<name>.csv`` (header, then commented lines describing
each column and an example row, which the RML processor skips) and ``<name>.rml.ttl``, an RML
mapping of that table ready for ``innograph ingest``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib import SH, XSD, URIRef
from rdflib.collection import Collection

from ..errors import InnographError
from ..namespaces import PREFIXES, ID_BASE
from ..store import Store
from ..validation.shacl import shapes_graph

PROV_ENTITY = URIRef("http://www.w3.org/ns/prov#Entity")
PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
# When a shape allows several date datatypes, the table asks for the one a researcher most often has.
_DATE_PREFERENCE = [XSD.gYear, XSD.date, XSD.gYearMonth, XSD.dateTime]
_EXAMPLES = {XSD.integer: "1", XSD.decimal: "36.35", XSD.gYear: "2020", XSD.date: "2020-01-31",
             XSD.gYearMonth: "2020-01", XSD.dateTime: "2020-01-31T09:00:00+09:00", XSD.anyURI: "https://example.org/"}
# Kinds of instance IRIs by class (docs/design.md): the subject IRI is <kind/slug-of-id>.
_KINDS = {"Organization": "organization", "Corporation": "organization", "CollegeOrUniversity": "organization",
          "ResearchOrganization": "organization", "GovernmentOrganization": "organization",
          "ArchiveOrganization": "organization", "MedicalOrganization": "organization", "NGO": "organization",
          "FormalOrganization": "organization", "City": "city", "AdministrativeArea": "region",
          "Country": "country", "InnovationCluster": "cluster", "Observation": "observation",
          "RankingResult": "ranking-result", "Claim": "claim", "Designation": "designation",
          "Facility": "facility", "Policy": "policy", "Programme": "programme", "Membership": "membership"}


class TemplateError(InnographError):
    """No shape targets the class, or the class is not a known name."""

    exit_code = 2


@dataclass
class Column:
    """One column of a template table: its name, the property it fills, whether it is required,
    and what it takes (a datatype and the others the shapes also allow, a language, an IRI, a
    source reference, allowed values), with the shape's message and pattern."""

    name: str
    path: URIRef
    required: bool
    datatype: URIRef | None = None
    language: str | None = None
    iri: bool = False
    source: bool = False
    allowed: list[str] = field(default_factory=list)
    also: list[URIRef] = field(default_factory=list)
    message: str | None = None
    pattern: str | None = None

    def example(self) -> str:
        """A value for the example row: the first allowed value, a placeholder address for a source
        or a homepage/url column (empty for another IRI), a label for a language, else an example of
        the datatype ('example' for text)."""
        if self.allowed:
            return self.allowed[0]
        if self.source:
            return "https://example.org/where-you-read-this"
        if self.iri:
            return "https://example.org/" if self.name in ("homepage", "url") else ""
        if self.language:
            return f"Example ({self.language})" if self.language != "en" else "Example Research Institute"
        return _EXAMPLES.get(self.datatype, "example")


def _curie(iri) -> str:
    text = str(iri)
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if text.startswith(namespace) and prefix:
            return f"{prefix}:{text[len(namespace):]}"
    return f"<{text}>"


def class_iri(name: str) -> URIRef:
    """``schema:ResearchOrganization`` or a full IRI as an IRI; TemplateError for an unknown prefix."""
    if name.startswith("<") and name.endswith(">"):
        return URIRef(name[1:-1])
    if "://" in name:
        return URIRef(name)
    prefix, sep, local = name.partition(":")
    if not sep or prefix not in PREFIXES:
        raise TemplateError(f"{name!r} is not a class name: use a prefixed name such as schema:ResearchOrganization "
                            f"(prefixes: {', '.join(sorted(p for p in PREFIXES if p))}) or a full IRI")
    return URIRef(PREFIXES[prefix] + local)


def _list(graph: rdflib.Graph, node) -> list:
    return list(Collection(graph, node)) if node is not None else []


def _instances(store: Store | None, cls: URIRef, limit: int = 200) -> list[str]:
    if store is None:
        return []
    rows = store.query(
        "SELECT DISTINCT ?x WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <%s> . ?x a ?c "
        "FILTER(isIRI(?x)) } ORDER BY ?x LIMIT %d" % (cls, limit))
    return [r["x"].value.removeprefix(ID_BASE) for r in rows]


def columns_for(cls: URIRef, store: Store | None = None) -> list[Column]:
    """The table columns for instances of ``cls``, from the shapes (see the module docstring).

    Raises TemplateError, listing the classes that have shapes, when no shape targets ``cls``.
    """
    shapes = shapes_graph()
    node_shapes = list(shapes.subjects(SH.targetClass, cls))
    if not node_shapes:
        targeted = sorted({_curie(c) for c in shapes.objects(None, SH.targetClass)})
        raise TemplateError(f"no shape targets {_curie(cls)}; classes with shapes: {', '.join(targeted)}")
    property_shapes = [p for s in node_shapes for p in shapes.objects(s, SH.property)]
    # Languages that a qualified shape requires, per path (labels in English).
    required_languages: dict[URIRef, set[str]] = {}
    for p in property_shapes:
        qualified = shapes.value(p, SH.qualifiedValueShape)
        if qualified is not None and int(shapes.value(p, SH.qualifiedMinCount) or 0) >= 1:
            for lang in _list(shapes, shapes.value(qualified, SH.languageIn)):
                required_languages.setdefault(shapes.value(p, SH.path), set()).add(str(lang))
    columns: list[Column] = []
    seen: set[str] = set()
    for p in property_shapes:
        path = shapes.value(p, SH.path)
        if not isinstance(path, URIRef) or shapes.value(p, SH.qualifiedValueShape) is not None:
            continue
        name = _local(path)
        required = int(shapes.value(p, SH.minCount) or 0) >= 1
        message = shapes.value(p, SH.message)
        languages = [str(x) for x in _list(shapes, shapes.value(p, SH.languageIn))]
        if languages:
            wanted = required_languages.get(path, set())
            for lang in languages:
                column = Column(f"{name}_{lang}", path, lang in wanted or (required and not wanted and lang == languages[0]),
                                language=lang, message=message)
                _add(columns, seen, column)
            continue
        datatypes = [shapes.value(p, SH.datatype)] if shapes.value(p, SH.datatype) is not None else \
            [shapes.value(o, SH.datatype) for o in _list(shapes, shapes.value(p, SH["or"]))
             if shapes.value(o, SH.datatype) is not None]
        classes = [shapes.value(p, SH["class"])] if shapes.value(p, SH["class"]) is not None else \
            [shapes.value(o, SH["class"]) for o in _list(shapes, shapes.value(p, SH["or"]))
             if shapes.value(o, SH["class"]) is not None]
        allowed = [_curie(v) for v in _list(shapes, shapes.value(p, SH["in"]))]
        column = Column(name, path, required, message=message, allowed=allowed,
                        pattern=str(shapes.value(p, SH.pattern)) if shapes.value(p, SH.pattern) is not None else None)
        if path == PROV_DERIVED and PROV_ENTITY in classes:
            column.name, column.source, column.iri = "source", True, True
        elif classes or shapes.value(p, SH.nodeKind) == SH.IRI or allowed:
            column.iri = True
            for c in classes:
                column.allowed += _instances(store, c)
        elif datatypes:
            preferred = [d for d in _DATE_PREFERENCE if d in datatypes]
            column.datatype = preferred[0] if preferred else datatypes[0]
            column.also = [d for d in datatypes if d != column.datatype]
        _add(columns, seen, column)
    return columns


def _add(columns: list[Column], seen: set[str], column: Column) -> None:
    if column.name in seen:
        for existing in columns:
            if existing.name == column.name:
                existing.required |= column.required
                existing.allowed += [a for a in column.allowed if a not in existing.allowed]
        return
    seen.add(column.name)
    columns.append(column)


def _local(iri) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def kind_of(cls: URIRef) -> str:
    """The path segment of the instance IRIs of ``cls``: from the table of known classes
    ('organization' for every kind of organisation, 'region' for schema:AdministrativeArea...),
    else its local name in lower case."""
    return _KINDS.get(_local(cls), _local(cls).lower())


def template_csv(cls: URIRef, columns: list[Column]) -> str:
    """The header, then '#' lines: what each column takes, and an example row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id"] + [c.name for c in columns])
    out.write(f"# Rows of {_curie(cls)}, one per line; lines starting with '#' are ignored.\n")
    out.write(f"# id (required): a short name; the node becomes <{kind_of(cls)}/SLUG-OF-ID>.\n")
    for c in columns:
        what = ("an address (URL) or citation of where the row was read" if c.source else
                f"text in language '{c.language}'" if c.language else
                f"{_curie(c.datatype)}" + (f" (the shapes also allow {', '.join(_curie(d) for d in c.also)})" if c.also else "")
                if c.datatype else "an IRI, absolute or relative to https://w3id.org/innograph/id/" if c.iri else "text")
        allowed = ""
        if c.allowed:
            shown = c.allowed[:12]
            allowed = "; allowed: " + ", ".join(shown) + (f" and {len(c.allowed) - 12} more" if len(c.allowed) > 12 else "")
        pattern = f"; matching {c.pattern}" if c.pattern else ""
        out.write(f"# {c.name} ({'required' if c.required else 'optional'}): {what}{pattern}{allowed}\n")
    example = io.StringIO()
    csv.writer(example, lineterminator="\n").writerow(
        ["example-research-institute"] + [c.example() if c.required or c.source else "" for c in columns])
    out.write("# example: " + example.getvalue())
    return out.getvalue()


def template_mapping(cls: URIRef, columns: list[Column], table_name: str) -> str:
    """An RML mapping of the template table (subject <kind/slug-of-id>, one term map per column)."""
    prefixes = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(PREFIXES.items()) if p)
    prefixes += ("@prefix rr: <http://www.w3.org/ns/r2rml#> .\n@prefix rml: <http://semweb.mmlab.be/ns/rml#> .\n"
                 "@prefix ql: <http://semweb.mmlab.be/ns/ql#> .\n@prefix fnml: <http://semweb.mmlab.be/ns/fnml#> .\n"
                 "@prefix fno: <https://w3id.org/function/ontology#> .\n"
                 "@prefix idlab-fn: <https://w3id.org/imec/idlab/function#> .\n"
                 "@prefix igfn: <https://w3id.org/innograph/function#> .\n")
    source = f'rml:logicalSource [ rml:source "{table_name}" ; rml:referenceFormulation ql:CSV ]'
    subject = ('rr:subjectMap [ fnml:functionValue [ rr:predicateObjectMap\n'
               '        [ rr:predicate fno:executes ; rr:objectMap [ rr:constant igfn:instance ] ] ,\n'
               f'        [ rr:predicate igfn:kind ; rr:objectMap [ rr:constant "{kind_of(cls)}" ] ] ,\n'
               '        [ rr:predicate idlab-fn:str ; rr:objectMap [ rml:reference "id" ] ] ] ;\n'
               f'    rr:termType rr:IRI ; rr:class {_curie(cls)} ]')
    poms = []
    for c in columns:
        if c.source:
            obj = ('[ fnml:functionValue [ rr:predicateObjectMap\n'
                   '        [ rr:predicate fno:executes ; rr:objectMap [ rr:constant igfn:sourceIris ] ] ,\n'
                   f'        [ rr:predicate idlab-fn:str ; rr:objectMap [ rml:reference "{c.name}" ] ] ] ; rr:termType rr:IRI ]')
        elif c.iri:
            obj = f'[ rml:reference "{c.name}" ; rr:termType rr:IRI ]'
        elif c.language:
            obj = f'[ rml:reference "{c.name}" ; rr:language "{c.language}" ]'
        elif c.datatype is not None and c.datatype != XSD.string:
            obj = f'[ rml:reference "{c.name}" ; rr:datatype {_curie(c.datatype)} ]'
        else:
            obj = f'[ rml:reference "{c.name}" ]'
        poms.append(f"    rr:predicateObjectMap [ rr:predicate {_curie(c.path)} ; rr:objectMap {obj} ]")
    text = (f"{prefixes}\n# Generated by 'innograph template {_curie(cls)}' from ontology/shapes.ttl.\n\n"
            f"<#Row> a rr:TriplesMap ;\n    {source} ;\n    {subject}" + "".join(" ;\n" + p for p in poms) + " .\n")
    if any(c.source for c in columns):
        text += _source_maps(source, next(c.name for c in columns if c.source))
    return text


def _source_maps(source: str, column: str) -> str:
    """Source nodes for the first reference of each row's source cell, with their publishers."""
    def call(function, extra=""):
        return ("[ fnml:functionValue [ rr:predicateObjectMap\n"
                f"        [ rr:predicate fno:executes ; rr:objectMap [ rr:constant {function} ] ] ,\n"
                "        [ rr:predicate idlab-fn:str ; rr:objectMap [ fnml:functionValue [ rr:predicateObjectMap\n"
                "            [ rr:predicate fno:executes ; rr:objectMap [ rr:constant igfn:reference ] ] ,\n"
                f"            [ rr:predicate idlab-fn:str ; rr:objectMap [ rml:reference \"{column}\" ] ] ] ] ] ]{extra} ]")
    EN = ' ; rr:language "en"'
    return (f"\n<#Source> a rr:TriplesMap ;\n    {source} ;\n"
            f"    rr:subjectMap {call('igfn:sourceIri', ' ; rr:termType rr:IRI ; rr:class prov:Entity , schema:WebPage')} ;\n"
            f"    rr:predicateObjectMap [ rr:predicate rdfs:label ; rr:objectMap {call('igfn:sourceLabel', EN)} ] ;\n"
            f"    rr:predicateObjectMap [ rr:predicate schema:url ; rr:objectMap {call('igfn:sourceUrl', ' ; rr:datatype xsd:anyURI')} ] ;\n"
            f"    rr:predicateObjectMap [ rr:predicate schema:identifier ; rr:objectMap {call('igfn:sourceIdentifier')} ] ;\n"
            f"    rr:predicateObjectMap [ rr:predicate dcterms:publisher ; rr:objectMap {call('igfn:publisherIri', ' ; rr:termType rr:IRI')} ] .\n"
            f"\n<#Publisher> a rr:TriplesMap ;\n    {source} ;\n"
            f"    rr:subjectMap {call('igfn:publisherIri', ' ; rr:termType rr:IRI ; rr:class org:FormalOrganization')} ;\n"
            f"    rr:predicateObjectMap [ rr:predicate rdfs:label ; rr:objectMap {call('igfn:publisherLabel', EN)} ] ;\n"
            # The publisher is known from the source it published (organisations must cite one).
            f"    rr:predicateObjectMap [ rr:predicate prov:wasDerivedFrom ; rr:objectMap {call('igfn:sourceIri', ' ; rr:termType rr:IRI')} ] .\n")


def write_template(cls_name: str, directory: Path, store: Store | None = None) -> tuple[Path, Path]:
    """Write ``<name>.csv`` and ``<name>.rml.ttl`` for the class into ``directory`` (made if need
    be); their paths. Raises TemplateError as ``class_iri`` and ``columns_for`` do, OSError when the
    files cannot be written."""
    cls = class_iri(cls_name)
    columns = columns_for(cls, store)
    name = kind_of(cls) if _local(cls) == kind_of(cls) else _local(cls).lower()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    table = directory / f"{name}.csv"
    mapping = directory / f"{name}.rml.ttl"
    table.write_text(template_csv(cls, columns), encoding="utf-8")
    mapping.write_text(template_mapping(cls, columns, table.name), encoding="utf-8")
    return table, mapping
