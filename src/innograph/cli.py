"""The ``innograph`` command line: one click group, verbs a researcher would guess.

Exit codes: 0 success, 1 invalid data (SHACL violations), 2 usage, syntax or other errors.
User mistakes print a one-line (or report) message on stderr, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .bundle import named_query_file
from .errors import InnographError, UsageError, ValidationFailed

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


class InnographGroup(click.Group):
    """Turns InnographError into a clean message and the documented exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ValidationFailed as exc:
            fmt = (ctx.meta or {}).get("report_format", "text")
            report = exc.report
            click.echo({"json": report.to_json, "turtle": report.to_turtle}.get(fmt, report.to_text)(),
                       err=fmt == "text")
            if fmt == "text":
                click.echo(f"invalid: {len(report.violations)} violation(s); nothing was written",
                           err=True)
            sys.exit(EXIT_INVALID)
        except InnographError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)


def _open(ctx, *, read_only: bool, shareable: bool = False):
    from .store import open_store
    return open_store(ctx.obj["store"], read_only=read_only, shareable=shareable)


@click.group(cls=InnographGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", "store", envvar="INNOGRAPH_STORE", default="var/store", show_default=True,
              help="The store: a directory (Oxigraph on disk), 'memory', or an http(s):// SPARQL endpoint. "
                   "Env: INNOGRAPH_STORE.")
@click.version_option(__version__, prog_name="innograph")
@click.pass_context
def main(ctx, store):
    """innograph: a knowledge graph of science cities, their institutions, sectors and alliances.

    Load and validate RDF, query it with SPARQL, export it, and serve it over HTTP.
    Exit codes: 0 ok, 1 invalid data, 2 usage or syntax error.
    """
    ctx.ensure_object(dict)
    ctx.obj["store"] = store


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Parse and validate, but write nothing.")
@click.pass_context
def load(ctx, paths, dry_run):
    """Load RDF files (or directories of them) into the store, validated.

    Each file replaces its own named graph <https://w3id.org/innograph/graph/FILE-STEM>; TriG and
    N-Quads keep their graphs. The ontology is (re)loaded into graph/ontology. The store, as it
    would be after the load, must pass the SHACL shapes; otherwise nothing is written. A triple
    stated in two graphs is loaded with a warning (the union default graph would return it twice).
    Formats by extension: .ttl .trig .nt .nq .jsonld .rdf/.owl.
    """
    from .service.loading import load_validated
    with _open(ctx, read_only=False) as store:
        result = load_validated(store, paths, dry_run=dry_run)
        verb = "would load" if dry_run else "loaded"
        warnings = result.report.violations
        click.echo(f"{verb} {result.triples} triples from {len(result.files)} file(s) into "
                   f"{len(result.graphs)} graph(s); valid{f' with {len(warnings)} warning(s)' if warnings else ''}; "
                   f"store now holds {store.count()} quads")
        for warning in warnings:
            click.echo(warning.to_text(), err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "report_format", type=click.Choice(["text", "json", "turtle"]), default="text",
              show_default=True, help="How to print the validation report.")
@click.option("--against-store", is_flag=True,
              help="Validate the store as it would be after loading PATHS (default: PATHS alone).")
@click.pass_context
def validate(ctx, paths, report_format, against_store):
    """Validate RDF files against the SHACL shapes without writing anything.

    Prints the report (focus node, path, value, message, severity for each violation).
    Exit 0 valid, 1 invalid, 2 usage or syntax error.
    """
    from .service.loading import check_change, ontology_graph_quads, parse_sources
    from .store import OxigraphStore
    ctx.meta["report_format"] = report_format
    graphs, files = parse_sources(paths)
    if against_store:
        with _open(ctx, read_only=True) as store:
            report = check_change(store, replace=graphs)
    else:
        graphs.update(ontology_graph_quads())
        report = check_change(OxigraphStore(None), replace=graphs)
    if not report.conforms:
        raise ValidationFailed(report)
    if report_format == "json":
        click.echo(report.to_json())
    elif report_format == "turtle":
        click.echo(report.to_turtle())
    else:
        extra = f"; {len(report.violations)} warning(s)" if report.violations else ""
        click.echo(f"valid: {len(files)} file(s) conform to the shapes{extra}")
        if report.violations:
            click.echo(report.to_text())


def _read_query(text: str) -> tuple[str, str]:
    """(query text, where it came from): a file path, a named query from queries/, or the text itself."""
    path = Path(text)
    if text.endswith((".rq", ".sparql")) or (len(text) < 256 and "\n" not in text and path.is_file()):
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            raise UsageError(f"QUERY: cannot read {text}: {exc.strerror}") from None
    named = named_query_file(text)
    if len(text) < 128 and named.is_file():
        return named.read_text(encoding="utf-8"), str(named)
    return text, "QUERY"


@main.command()
@click.argument("query_text", metavar="QUERY|FILE|NAME")
@click.option("--format", "output_format", default="table", show_default=True,
              type=click.Choice(["table", "csv", "tsv", "json", "xml", "turtle", "ttl", "nt", "jsonld", "rdf"]),
              help="table/csv/tsv/json/xml for SELECT and ASK; turtle/nt/jsonld/rdf for CONSTRUCT and DESCRIBE.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind ?NAME to VALUE. Named queries type it as their header declares (iri, year, "
                   "integer...); for other queries <...> is an IRI, anything else a string. Repeatable.")
@click.option("--max-rows", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="Stop after this many rows or triples.")
@click.pass_context
def query(ctx, query_text, output_format, params, max_rows):
    """Run a SPARQL query on the store and print the results.

    QUERY is the query text, a .rq file, or the name of a query in queries/
    (e.g. 'innograph query alliance-members').
    """
    import pyoxigraph as ox

    from .errors import QuerySyntaxError
    from .rdf.formats import rdf_format, result_format
    from .namespaces import PREFIXES
    from .rdf.results import kind_of, render, text_table
    from .service.catalogue import read_query
    from .rdf.parsing import parse_term
    sparql, origin = _read_query(query_text)
    values = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--param {item!r}: expected NAME=VALUE")
        values[name.lstrip("?$")] = value
    if origin != "QUERY" and sparql.lstrip().startswith("#"):
        # A named query declares typed parameters (and defaults) in its header: bind through them.
        sparql, bound = read_query(Path(origin)).prepare(values)
        substitutions = {ox.Variable(k): parse_term(v) for k, v in (bound or {}).items()}
    else:
        substitutions = {ox.Variable(k): ox.NamedNode(v[1:-1]) if v.startswith("<") and v.endswith(">")
                         else ox.Literal(v) for k, v in values.items()}
    with _open(ctx, read_only=True) as store:
        try:
            result = store.query(sparql, substitutions=substitutions or None)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"{origin}: {exc}") from None
        kind = kind_of(result)
        if output_format == "table":
            text, truncated = text_table(result, max_rows)
            click.echo(text)
        else:
            graph_formats = {"turtle": "ttl", "ttl": "ttl", "nt": "nt", "jsonld": "jsonld", "rdf": "rdf"}
            if kind == "graph":
                if output_format not in graph_formats:
                    raise UsageError(f"--format {output_format}: a CONSTRUCT/DESCRIBE result is a graph; "
                                     f"use one of {', '.join(sorted(graph_formats))}")
                fmt = rdf_format(graph_formats[output_format])
            else:
                if output_format in graph_formats:
                    raise UsageError(f"--format {output_format}: a {kind.upper()} result is a table; "
                                     f"use table, csv, tsv, json or xml")
                fmt = result_format(output_format)
            rendered = render(result, fmt, max_rows, PREFIXES)
            sys.stdout.buffer.write(rendered.body)
            sys.stdout.flush()
            truncated = rendered.truncated
        if truncated:
            click.echo(f"warning: results cut at --max-rows {max_rows}", err=True)


@main.command()
@click.option("--format", "output_format", default="trig", show_default=True,
              type=click.Choice(["ttl", "nt", "nq", "trig", "jsonld", "xml", "rdf"]),
              help="ttl/nt/jsonld/xml merge all graphs into one; nq/trig keep the named graphs.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@click.option("--graph", "graph", metavar="IRI", help="Export only this named graph.")
@click.pass_context
def export(ctx, output_format, output, graph):
    """Export the whole dataset (or one graph) as RDF."""
    from .service.exporting import export_dataset
    with _open(ctx, read_only=True) as store:
        body = export_dataset(store, output_format, graph=graph)
    if output:
        output.write_bytes(body)
        click.echo(f"wrote {len(body)} bytes to {output}", err=True)
    else:
        sys.stdout.buffer.write(body)


@main.command()
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="A readable listing, or JSON for scripts.")
@click.pass_context
def stats(ctx, output_format):
    """Triples per named graph and instances per class."""
    import json as jsonlib

    from .service.statistics import store_statistics
    with _open(ctx, read_only=True) as store:
        figures = store_statistics(store)
    if output_format == "json":
        click.echo(jsonlib.dumps(figures, indent=2))
        return
    click.echo(f"store: {figures['store']}\ntriples (all graphs): {figures['quads']}")
    click.echo("\ntriples per graph:")
    for graph, count in figures["graphs"].items():
        click.echo(f"  {count:>8}  {graph}")
    click.echo("\ninstances per class:")
    for cls, count in figures["classes"].items():
        click.echo(f"  {count:>8}  {cls}")


@main.command()
@click.argument("mappings", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Map, check and validate, but write nothing to the store.")
@click.option("--graph", "graph", metavar="IRI",
              help="Named graph to fill (one MAPPING only). Default: graph/<mapping name without .rml.ttl>.")
@click.option("--source", "sources", multiple=True, metavar="NAME=FILE",
              help="Read the logical source file NAME (as named in the mapping) from FILE instead. Repeatable.")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write each dataset as Turtle to DIR/<mapping name>.ttl (how data/breadth-*.ttl are made).")
@click.pass_context
def ingest(ctx, mappings, dry_run, graph, sources, output_dir):
    """Turn CSV rows into triples with RML MAPPINGs, validate them, and commit them.

    Each mapping (mappings/*.rml.ttl) fills its own named graph, replacing what the graph held.
    Cells are checked against the datatypes the mapping declares, the result against the SHACL
    shapes together with the rest of the store; then all graphs are written in one transaction,
    or nothing is. Each bad cell is reported as FILE:LINE:COLUMN with what is wrong.
    Exit codes: 0 ingested, 1 bad rows (nothing written), 2 usage or mapping error.
    """
    from .ingest.pipeline import IngestFailed, ingest as run_ingest, to_turtle
    overrides = {}
    for item in sources:
        name, sep, file = item.partition("=")
        if not sep or not name or not file:
            raise UsageError(f"--source {item!r}: expected NAME=FILE")
        overrides[name] = Path(file)
    with _open(ctx, read_only=dry_run) as store:
        try:
            result = run_ingest(store, mappings, graph=graph, dry_run=dry_run, sources=overrides or None)
        except IngestFailed as exc:
            click.echo(str(exc), err=True)
            sys.exit(EXIT_INVALID)
        for dataset in result.datasets:
            verb = "would ingest" if dry_run else "ingested"
            merged = f", {len(dataset.reconciled)} node(s) merged into existing ones" if dataset.reconciled else ""
            click.echo(f"{verb} {dataset.rows} row(s) as {dataset.triples} triples into <{dataset.graph}>{merged}")
            if output_dir is not None:
                output_dir.mkdir(parents=True, exist_ok=True)
                target = output_dir / f"{dataset.name}.ttl"
                target.write_bytes(to_turtle(dataset.quads))
                click.echo(f"wrote {target}", err=True)
        if not dry_run:
            click.echo(f"valid; store now holds {store.count()} quads")


GRAPH_FORMATS = ("graphml", "gexf", "json", "cyjs", "dot", "svg", "png", "html", "map")


@main.command()
@click.argument("class_name", metavar="CLASS")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Directory for CLASS.csv and CLASS.rml.ttl.")
@click.pass_context
def template(ctx, class_name, output_dir):
    """Write a CSV template and its RML mapping for CLASS (e.g. schema:ResearchOrganization).

    Columns, required ones, datatypes and allowed values come from the SHACL shapes of CLASS
    (allowed IRIs: the instances in the store). Fill rows, then: innograph ingest DIR/NAME.rml.ttl
    """
    from .ingest.templates import class_iri, columns_for, write_template
    columns_for(class_iri(class_name))   # an unknown class is refused before the store is opened
    store = _open(ctx, read_only=True, shareable=True)
    try:
        table, mapping = write_template(class_name, output_dir, store)
    finally:
        store.close()
    click.echo(f"wrote {table} and {mapping}")


@main.command()
@click.argument("view")
@click.option("--as-of", "as_of", type=int, metavar="YEAR",
              help="alliances: the alliance as it stood at the end of YEAR (2024: the five founders).")
@click.option("--history", is_flag=True, help="alliances: every membership ever recorded, ended ones included.")
@click.option("--city", metavar="IRI", help="ecosystem: the city, as an IRI or a path such as city/daejeon.")
@click.option("--format", "fmt", type=click.Choice(GRAPH_FORMATS),
              help="Export format (default: from the -o extension, else json). 'map' is the alliance map page.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output; png only to a file).")
@click.option("--metrics", "show_metrics", is_flag=True,
              help="Print degree, betweenness and eigenvector centrality, Louvain communities and bridges.")
@click.option("--explain", nargs=2, metavar="A B",
              help="Print the shortest connection between A and B edge by edge (IRIs, paths or names).")
@click.pass_context
def graph(ctx, view, as_of, history, city, fmt, output, show_metrics, explain):
    """Build a relationship view as a network and export it, measure it or explain a path in it.

    VIEW is one of: alliances, partnerships, city_projection (or city-projection), ecosystem
    (needs --city), rankings, events.

    \b
    Formats: graphml, gexf (dynamic, for Gephi's timeline), json (NetworkX node-link),
    cyjs (Cytoscape.js), dot (Graphviz), svg, png, html (interactive page), map (alliance map).

    \b
    Examples:
      innograph graph alliances --format graphml -o gini.graphml
      innograph graph alliances --as-of 2024 --metrics
      innograph graph alliances --explain region/quebec Daejeon
      innograph graph ecosystem --city city/daejeon -o daejeon.html

    Exit codes: 0 ok, 2 unknown view or format, bad parameter, unknown node.
    """
    from .views import networks, rendering
    with _open(ctx, read_only=True) as store:
        network = networks.build(store, view, as_of=as_of, history=history, city=city)
    if output is not None and fmt is None:
        known = rendering.format_for_path(output)
        fmt = known.name if known else None
        if fmt is None:
            raise UsageError(f"--output {output}: cannot tell the format from the extension; give --format")
    if show_metrics:
        click.echo(networks.metrics_table(networks.metrics(network)))
    if explain:
        click.echo(networks.explain_path(network, *explain))
    if (show_metrics or explain) and fmt is None:
        return
    fmt = fmt or "json"
    body = (rendering.to_map_html(network).encode() if fmt == "map" else rendering.render(network, fmt))
    if output is None:
        if fmt == "png":
            raise UsageError("png is binary: write it to a file with -o FILE.png")
        click.echo(body.decode(), nl=False)
        return
    output.write_bytes(body)
    click.echo(f"wrote the {network.graph['view']} view ({network.number_of_nodes()} nodes, "
               f"{network.number_of_edges()} edges) as {fmt} to {output}", err=True)


if __name__ == "__main__":
    main()


@main.command()
@click.option("--cities", type=click.IntRange(min=1), required=True,
              help="How many cities to generate (about 500 triples each, so 2,000 cities is ~1M triples).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed: the same seed gives the same file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="File to write: .nt (N-Triples) or .ttl (Turtle).")
@click.option("--beside-shipped", is_flag=True,
              help="Leave out the triples data/ already states (membership roles, unit labels), for a "
                   "store that holds the shipped data: stated in two graphs, the union default graph "
                   "would return them twice.")
def synth(cities, seed, output, beside_shipped):
    """Write synthetic data that passes the shapes, for benchmarks and scale tests.

    Cities with countries and coordinates, clusters, institutions, a sector scheme, alliances with
    dated memberships, agreements, observations, ranking results and sources, streamed to the file.
    Every IRI has a 'synth-' slug except the shipped membership roles (so the named queries apply)
    and the units; with --beside-shipped the file leaves those out and sits beside the shipped data.
    """
    from .ingest.synth import write
    count = write(output, cities=cities, seed=seed, beside_shipped=beside_shipped)
    click.echo(f"wrote {count} triples ({cities} cities, seed {seed}) to {output}", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--data", "data_dirs", multiple=True, type=click.Path(exists=True, path_type=Path),
              metavar="DIR", help="Load and validate these RDF files/directories before serving (repeatable).")
@click.option("--update-token", default=None, metavar="TOKEN",
              help="Bearer token that allows writes. Env: INNOGRAPH_UPDATE_TOKEN. Unset: read-only.")
@click.option("--threads", default=None, type=click.IntRange(min=1),
              help="Request threads (of each process with --workers).")
@click.option("--workers", default=None, type=click.IntRange(min=1),
              help="HTTP server processes (default 1, waitress). Above 1: gunicorn, and the store is "
                   "served read-only (one writer per Oxigraph store).")
@click.option("--query-timeout", default=None, type=click.FloatRange(min=0, min_open=True),
              help="Seconds before a query is stopped with 503 (default 30).")
@click.option("--max-rows", default=None, type=click.IntRange(min=1),
              help="Most rows/triples per result (default 100000).")
@click.option("--help-settings", is_flag=True, help="List every setting with its environment variable and exit.")
@click.pass_context
def serve(ctx, host, port, data_dirs, update_token, threads, workers, query_timeout, max_rows, help_settings):
    """Serve the SPARQL 1.1 endpoint, Graph Store, query page and named queries over HTTP.

    Every setting can also be given as an INNOGRAPH_* environment variable (see --help-settings);
    flags win over the environment.
    """
    from .settings import Settings, describe
    if help_settings:
        click.echo(describe())
        return
    from .web.server import serve as run_server
    settings = Settings.load({"store": ctx.obj["store"], "update_token": update_token, "threads": threads,
                              "workers": workers, "query_timeout": query_timeout, "max_rows": max_rows})
    run_server(settings, list(data_dirs), host=host, port=port)


@main.command("search")
@click.argument("text")
@click.option("--type", "type_name", default=None, metavar="TYPE",
              help="Only entities of this class: an IRI, a prefixed name (schema:City) or a name (City).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1), help="Most results.")
@click.option("--lang", default=None, metavar="LANG", help="Language of the labels shown (fallback English).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: one entity a line (score, label, type, IRI); json: as GET /search.")
@click.pass_context
def search(ctx, text, type_name, limit, lang, output_format):
    """Find entities by name, acronym or part of a name, in any language (KAIST, Malaga, 대전).

    Builds the search index beside the store on first use (docs/search.md).
    """
    import json

    from .search import search as search_entities
    with _open(ctx, read_only=True) as store:
        hits = search_entities(store, text, type=type_name, limit=limit, lang=lang)
    if output_format == "json":
        click.echo(json.dumps({"query": text, "results": [hit.as_json() for hit in hits]},
                              ensure_ascii=False, indent=2))
        return
    for hit in hits:
        kind = f"  [{hit.typeLabel}]" if hit.typeLabel else ""
        click.echo(f"{hit.score:.3f}  {hit.label}{kind}  <{hit.iri}>")
    if not hits:
        click.echo(f"no entity matches {text!r}", err=True)
