"""The ``innograph`` command line: one click group, verbs a researcher would guess.

Every command translates its arguments into calls of the core (``KnowledgeGraph`` and the modules
under it) and the results into text. Exit codes: 0 success, 1 invalid data (SHACL violations),
2 usage, syntax or other errors. User mistakes print a one-line (or report) message on stderr,
never a traceback. Long-running commands show progress on a terminal and stay silent when piped.
"""

from __future__ import annotations

import json
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .errors import InnographError, UsageError, ValidationFailed
from .ingest.pipeline import IngestFailed, ingest as run_ingest, to_turtle
from .ingest.synth import write as write_synthetic
from .ingest.templates import class_iri, columns_for, write_template
from .knowledge_graph import KnowledgeGraph, open as open_graph
from .namespaces import display_iri
from .rdf.formats import RDF_FORMATS, RESULT_FORMATS
from .service.catalogue import load_catalogue, read_query
from .settings import REGISTRY, Settings, describe
from .views import networks, rendering
from .versions import set_author, store_state, version_id
from .web.server import serve as run_server

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2
DEFAULT_STORE = next(s.default for s in REGISTRY if s.name == "store")


class InnographGroup(click.Group):
    """Turns InnographError into a clean message and the documented exit code."""

    def invoke(self, ctx):
        """Run the command. ValidationFailed prints its report (JSON or Turtle on stdout when the
        command asked for that report format, else text on stderr) and exits 1; another
        InnographError prints ``error: message`` and exits with its ``exit_code``; an OSError
        prints the file and the reason and exits 2."""
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
        except OSError as exc:
            # A file or folder the command was pointed at: say which and why, no traceback.
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"error: {where}{exc.strerror or exc}", err=True)
            sys.exit(EXIT_ERROR)


def _remember_store(ctx: click.Context, _param, value):
    """``--store`` may come before or after the command: the one given last wins."""
    if value is not None:
        ctx.find_root().ensure_object(dict)["store"] = value
    return value


def store_option(command):
    """The ``--store`` option, accepted on the group and on every command that opens a store."""
    return click.option("--store", "store", default=None, expose_value=False, is_eager=True,
                        callback=_remember_store, metavar="STORE",
                        help="The store: a directory (Oxigraph on disk), 'memory', or an http(s):// "
                             f"SPARQL endpoint. Env: INNOGRAPH_STORE; default {DEFAULT_STORE}.")(command)


def _store_spec(ctx: click.Context) -> str:
    root = ctx.find_root().ensure_object(dict)
    return root.get("store") or Settings.load().store


def _open(ctx: click.Context, *, read_only: bool) -> KnowledgeGraph:
    """The knowledge graph the command works on, with one query worker (a CLI runs one query)."""
    return open_graph(_store_spec(ctx), read_only=read_only, workers=1)


@contextmanager
def progress(description: str):
    """A spinner with the elapsed time on stderr while ``description`` runs, when stderr is a
    terminal; nothing when it is piped or captured."""
    if not sys.stderr.isatty():
        yield
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        bar.add_task(description, total=None)
        yield


@click.group(cls=InnographGroup, context_settings={"help_option_names": ["-h", "--help"]})
@store_option
@click.version_option(__version__, prog_name="innograph")
@click.pass_context
def main(ctx):
    """innograph: a knowledge graph of science cities, their institutions, sectors and alliances.

    Load and validate RDF, query it with SPARQL, export it, and serve it over HTTP. --store may be
    given before or after the command. Exit codes: 0 ok, 1 invalid data, 2 usage or syntax error.
    """
    ctx.ensure_object(dict)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Parse and validate, but write nothing.")
@click.option("--message", "-m", default=None, help="Why: recorded with the data version this load makes (see /versions).")
@store_option
@click.pass_context
def load(ctx, paths, dry_run, message):
    """Load RDF files (or directories of them) into the store, validated.

    Each file replaces its own named graph <https://w3id.org/innograph/graph/FILE-STEM>; TriG and
    N-Quads keep their graphs. The ontology is (re)loaded into graph/ontology. The store, as it
    would be after the load, must pass the SHACL shapes; otherwise nothing is written. A triple
    stated in two graphs is loaded with a warning (the union default graph would return it twice).
    Formats by extension: .ttl .trig .nt .nq .jsonld .rdf/.owl.
    """
    set_author(f"command line: innograph load {' '.join(map(str, paths))}", message)  # versions: who and why
    with _open(ctx, read_only=False) as kg, progress(f"loading {len(paths)} path(s): parse, validate, commit"):
        result = kg.load(*paths, dry_run=dry_run)
        total = kg.store.count()
    verb = "would load" if dry_run else "loaded"
    warnings = result.report.violations
    click.echo(f"{verb} {result.triples} triples from {len(result.files)} file(s) into "
               f"{len(result.graphs)} graph(s); valid{f' with {len(warnings)} warning(s)' if warnings else ''}; "
               f"store now holds {total} quads")
    for warning in warnings:
        click.echo(warning.to_text(), err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "report_format", type=click.Choice(["text", "json", "turtle"]), default="text",
              show_default=True, help="How to print the validation report.")
@click.option("--against-store", is_flag=True,
              help="Validate the store as it would be after loading PATHS (default: PATHS alone).")
@store_option
@click.pass_context
def validate(ctx, paths, report_format, against_store):
    """Validate RDF files against the SHACL shapes without writing anything.

    Prints the report (focus node, path, value, message, severity for each violation).
    Exit 0 valid, 1 invalid, 2 usage or syntax error.
    """
    ctx.meta["report_format"] = report_format
    with progress(f"validating {len(paths)} path(s)"):
        if against_store:
            with _open(ctx, read_only=True) as kg:
                report = kg.validate(*paths, against_store=True)
        else:
            report = KnowledgeGraph.validate_files(*paths)
    if not report.conforms:
        raise ValidationFailed(report)
    if report_format == "json":
        click.echo(report.to_json())
    elif report_format == "turtle":
        click.echo(report.to_turtle())
    else:
        extra = f"; {len(report.violations)} warning(s)" if report.violations else ""
        click.echo(f"valid: {len(paths)} path(s) conform to the shapes{extra}")
        if report.violations:
            click.echo(report.to_text())


# --format of `query` -> (format for SELECT/ASK, format for CONSTRUCT/DESCRIBE), from the registries.
QUERY_FORMATS = {"table": ("json", "ttl"), **{f.name: (f.name, None) for f in RESULT_FORMATS},
                 "turtle": (None, "ttl"), **{f.name: (None, f.name) for f in RDF_FORMATS if f.name != "xml"}}
EXPORT_FORMATS = [f.name for f in RDF_FORMATS] + ["xml"]     # xml: RDF/XML, as 'rdf'


def _format_chooser(output_format: str):
    table_format, graph_format = QUERY_FORMATS[output_format]

    def choose(kind: str) -> str:
        chosen = graph_format if kind == "graph" else table_format
        if chosen is None:
            if kind == "graph":
                raise UsageError(f"--format {output_format}: a CONSTRUCT/DESCRIBE result is a graph; "
                                 f"use one of {', '.join(sorted(k for k, v in QUERY_FORMATS.items() if v[1]))}")
            raise UsageError(f"--format {output_format}: a {kind.upper()} result is a table; "
                             f"use one of {', '.join(k for k, v in QUERY_FORMATS.items() if v[0])}")
        return chosen
    return choose


def _read_query_argument(text: str):
    """(named query name or SPARQL text, header-declared query or None) for QUERY|FILE|NAME."""
    path = Path(text)
    if text.endswith((".rq", ".sparql")) or (len(text) < 256 and "\n" not in text and path.is_file()):
        try:
            path.read_bytes()
        except OSError as exc:
            raise UsageError(f"QUERY: cannot read {text}: {exc.strerror}") from None
        return None, read_query(path)
    return text, None


def _parse_params(params: tuple[str, ...]) -> dict[str, str]:
    values = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--param {item!r}: expected NAME=VALUE")
        values[name.lstrip("?$")] = value
    return values


@main.command()
@click.argument("query_text", metavar="QUERY|FILE|NAME")
@click.option("--format", "output_format", default="table", show_default=True, type=click.Choice(list(QUERY_FORMATS)),
              help="table/csv/tsv/json/xml for SELECT and ASK; turtle/nt/jsonld/rdf for CONSTRUCT and DESCRIBE.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind ?NAME to VALUE. Named queries type it as their header declares (iri, year, "
                   "integer...); for other queries <...> is an IRI, anything else a string. Repeatable.")
@click.option("--max-rows", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="Stop after this many rows or triples.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds before the query is stopped (default: the query_timeout setting, 30).")
@click.option("--version", "version", default=None, metavar="ID",
              help="Answer on this past data version (an id from /versions), rebuilt from the change log.")
@click.option("--verbose", "-v", is_flag=True, help="Also print (to stderr) the data version that answered.")
@store_option
@click.pass_context
def query(ctx, query_text, output_format, params, max_rows, timeout, version, verbose):
    """Run a SPARQL query on the store and print the results.

    QUERY is the query text, a .rq file, or the name of a named query (see 'innograph queries'),
    e.g. 'innograph query alliance-members'. The project's prefixes (ig:, schema:, org:...) need
    no PREFIX lines. The query runs as on the server: checked first, stopped at the time limit.
    """
    text, from_file = _read_query_argument(query_text)
    values = _parse_params(params)
    choose = _format_chooser(output_format)
    with _open(ctx, read_only=True) as opened:
        kg = opened.at_version(version)
        if verbose:
            click.echo(f"data version: {kg.version or 'none recorded'}", err=True)
        if from_file is None:
            outcome = kg.run(text, choose, params=values, max_rows=max_rows, timeout=timeout)
        elif from_file.parameters:
            sparql, substitutions = from_file.prepare(values)
            outcome = kg.queries.run(sparql, choose, substitutions=substitutions, max_rows=max_rows,
                                     timeout=timeout)
        else:
            outcome = kg.run(from_file.text, choose, params=values, max_rows=max_rows, timeout=timeout)
    if output_format == "table" and outcome.kind != "graph":
        _print_table(outcome)
    else:
        sys.stdout.buffer.write(outcome.body)
        sys.stdout.flush()
    if outcome.truncated:
        click.echo(f"warning: results cut at --max-rows {max_rows}", err=True)


def _print_table(outcome) -> None:
    """SELECT results as a table (compact IRIs, ``_:`` blank nodes): fitted to the terminal with
    rich when standard output is one, plain aligned text when it is piped. ASK: true or false."""
    document = json.loads(outcome.body)
    if outcome.kind == "ask":
        click.echo("true" if document["boolean"] else "false")
        return
    variables = document["head"].get("vars", [])
    cells = [[_cell(binding.get(v)) for v in variables] for binding in document["results"]["bindings"]]
    footer = f"({len(cells)} row{'s' if len(cells) != 1 else ''})"
    if sys.stdout.isatty():
        table = Table(*variables, show_lines=False, header_style="bold")
        for row in cells:
            table.add_row(*row)
        console = Console(width=shutil.get_terminal_size().columns)
        console.print(table, overflow="ellipsis")
        console.print(footer)
        return
    widths = [max([len(v)] + [len(r[i]) for r in cells]) for i, v in enumerate(variables)]

    def line(row):
        return "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()

    click.echo("\n".join([line(variables), line(["-" * w for w in widths]), *map(line, cells), footer]))


def _cell(binding: dict | None) -> str:
    if binding is None:
        return ""
    if binding["type"] == "uri":
        return display_iri(binding["value"])
    if binding["type"] == "bnode":
        return "_:" + binding["value"]
    if binding["type"] == "triple":
        return str(binding["value"])
    lang = binding.get("xml:lang")
    return binding["value"] + (f"@{lang}" if lang else "")


@main.command()
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="A readable listing, or JSON for scripts.")
def queries(output_format):
    """List the named queries with their parameters (types, defaults, help).

    Run one with 'innograph query NAME --param NAME=VALUE'.
    """
    catalogue = load_catalogue(Path(Settings.load().queries_dir))
    if output_format == "json":
        click.echo(json.dumps([q.to_json() for q in catalogue.queries.values()], ensure_ascii=False, indent=1))
        return
    for named in catalogue.queries.values():
        click.echo(f"{named.name}: {named.title}")
        for param in named.parameters:
            default = f" = {param.default}" if param.default is not None else (" (required)" if param.required else "")
            helptext = f"  {param.help}" if param.help else ""
            click.echo(f"    --param {param.name}=<{param.type}>{default}{helptext}")
    for problem in catalogue.problems:
        click.echo(f"warning: {problem}", err=True)


@main.command()
@click.option("--format", "output_format", default="trig", show_default=True,
              type=click.Choice(EXPORT_FORMATS),
              help="ttl/nt/jsonld/xml merge all graphs into one; nq/trig keep the named graphs.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@click.option("--graph", "graph", metavar="IRI", help="Export only this named graph (an error if the store has no such graph).")
@store_option
@click.pass_context
def export(ctx, output_format, output, graph):
    """Export the whole dataset (or one graph) as RDF."""
    if output is not None and not output.parent.is_dir():
        raise UsageError(f"--output {output}: the folder {output.parent} does not exist")
    with _open(ctx, read_only=True) as kg, progress(f"exporting as {output_format}"):
        body = kg.export(output, format=output_format, graph=graph)
    if output:
        click.echo(f"wrote {len(body)} bytes to {output}", err=True)
    else:
        sys.stdout.buffer.write(body)


@main.command()
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="A readable listing, or JSON for scripts.")
@store_option
@click.pass_context
def stats(ctx, output_format):
    """Triples per named graph and instances per class."""
    with _open(ctx, read_only=True) as kg:
        figures = kg.stats()
    if output_format == "json":
        click.echo(json.dumps(figures, indent=2))
        return
    click.echo(f"store: {figures['store']}\ntriples (all graphs): {figures['quads']}")
    click.echo("\ntriples per graph:")
    for graph_name, count in figures["graphs"].items():
        click.echo(f"  {count:>8}  {graph_name}")
    click.echo("\ninstances per class:")
    for cls, count in figures["classes"].items():
        click.echo(f"  {count:>8}  {display_iri(cls)}")


@main.command()
@click.argument("mappings", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Map, check and validate, but write nothing to the store.")
@click.option("--graph", "graph", metavar="IRI",
              help="Named graph to fill (one MAPPING only). Default: graph/<mapping name without .rml.ttl>.")
@click.option("--source", "sources", multiple=True, metavar="NAME=FILE",
              help="Read the logical source file NAME (as named in the mapping) from FILE instead. Repeatable.")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write each dataset as Turtle to DIR/<mapping name>.ttl (how data/breadth-*.ttl are made).")
@store_option
@click.pass_context
def ingest(ctx, mappings, dry_run, graph, sources, output_dir):
    """Turn CSV rows into triples with RML MAPPINGs, validate them, and commit them.

    Each mapping (mappings/*.rml.ttl) fills its own named graph, replacing what the graph held.
    Cells are checked against the datatypes the mapping declares, the result against the SHACL
    shapes together with the rest of the store; then all graphs are written in one transaction,
    or nothing is. Each bad cell is reported as FILE:LINE:COLUMN with what is wrong.
    Exit codes: 0 ingested, 1 bad rows (nothing written), 2 usage or mapping error.
    """
    overrides = {}
    for item in sources:
        name, sep, file = item.partition("=")
        if not sep or not name or not file:
            raise UsageError(f"--source {item!r}: expected NAME=FILE")
        overrides[name] = Path(file)
    with _open(ctx, read_only=dry_run) as kg:
        try:
            with progress(f"ingesting {len(mappings)} mapping(s)"):
                result = run_ingest(kg.store, mappings, graph=graph, dry_run=dry_run, sources=overrides or None)
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
            click.echo(f"valid; store now holds {kg.store.count()} quads")


@main.command()
@click.argument("class_name", metavar="CLASS")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Directory for CLASS.csv and CLASS.rml.ttl.")
@store_option
@click.pass_context
def template(ctx, class_name, output_dir):
    """Write a CSV template and its RML mapping for CLASS (e.g. schema:ResearchOrganization).

    Columns, required ones, datatypes and allowed values come from the SHACL shapes of CLASS
    (allowed IRIs: the instances in the store). Fill rows, then: innograph ingest DIR/NAME.rml.ttl
    """
    columns_for(class_iri(class_name))   # an unknown class is refused before the store is opened
    with _open(ctx, read_only=True) as kg:
        table, mapping = write_template(class_name, output_dir, kg.store)
    click.echo(f"wrote {table} and {mapping}")


GRAPH_FORMATS = ("graphml", "gexf", "json", "cyjs", "dot", "svg", "png", "html", "map")


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
@store_option
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
    networks.view_named(view)            # an unknown view is refused before the store is opened
    if output is not None and not output.parent.is_dir():
        raise UsageError(f"--output {output}: the folder {output.parent} does not exist")
    if output is not None and fmt is None:
        known = rendering.format_for_path(output)
        fmt = known.name if known else None
        if fmt is None:
            raise UsageError(f"--output {output}: cannot tell the format from the extension; give --format")
    with _open(ctx, read_only=True) as kg:
        network = kg.view(view, as_of=as_of, history=history, city=city)
    if show_metrics:
        with progress("computing centralities, communities and bridges"):
            table = networks.metrics_table(kg.metrics(network))
        click.echo(table)
    if explain:
        click.echo(networks.explain_path(network, *explain))
    if (show_metrics or explain) and fmt is None:
        return
    fmt = fmt or "json"
    if fmt == "png" and output is None:
        raise UsageError("png is binary: write it to a file with -o FILE.png")
    body = (rendering.to_map_html(network).encode() if fmt == "map" else rendering.render(network, fmt))
    if output is None:
        click.echo(body.decode(), nl=False)
        return
    output.write_bytes(body)
    click.echo(f"wrote the {network.graph['view']} view ({network.number_of_nodes()} nodes, "
               f"{network.number_of_edges()} edges) as {fmt} to {output}", err=True)


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
    if not output.parent.is_dir():
        raise UsageError(f"--output {output}: the folder {output.parent} does not exist")
    with progress(f"writing {cities} synthetic cities to {output}"):
        count = write_synthetic(output, cities=cities, seed=seed, beside_shipped=beside_shipped)
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
@store_option
@click.pass_context
def serve(ctx, host, port, data_dirs, update_token, threads, workers, query_timeout, max_rows, help_settings):
    """Serve the SPARQL 1.1 endpoint, Graph Store, query page and named queries over HTTP.

    Every setting can also be given as an INNOGRAPH_* environment variable (see --help-settings);
    flags win over the environment.
    """
    if help_settings:
        click.echo(describe())
        return
    settings = Settings.load({"store": _store_spec(ctx), "update_token": update_token, "threads": threads,
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
@store_option
@click.pass_context
def search(ctx, text, type_name, limit, lang, output_format):
    """Find entities by name, acronym or part of a name, in any language (KAIST, Malaga, 대전).

    Builds the search index beside the store on first use (docs/search.md).
    """
    with _open(ctx, read_only=True) as kg:
        hits = kg.search(text, type=type_name, limit=limit, lang=lang)
    if output_format == "json":
        click.echo(json.dumps({"query": text, "results": [hit.as_json() for hit in hits]},
                              ensure_ascii=False, indent=2))
        return
    for hit in hits:
        kind = f"  [{hit.typeLabel}]" if hit.typeLabel else ""
        click.echo(f"{hit.score:.3f}  {hit.label}{kind}  <{hit.iri}>")
    if not hits:
        click.echo(f"no entity matches {text!r}", err=True)
@main.command("versions")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one version a line, newest first; json: as GET /versions.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="The newest this many.")
@click.option("--check", is_flag=True, help="Also hash the whole store and say whether it is the last version "
                                           "(exit 1 if not: something wrote to it without innograph).")
@store_option
@click.pass_context
def versions(ctx, output_format, limit, check):
    """The data versions of the store, newest first: id, time, quads, message (docs/versions.md).

    Query one with 'innograph query --version ID'.
    """
    with _open(ctx, read_only=True) as kg:
        listed = [v.to_json() for v in reversed(kg.versions()[-limit:])]
        current = kg.version
        actual = version_id(store_state(kg.store)) if check else None
    if output_format == "json":
        click.echo(json.dumps({"current": current, "versions": listed}, ensure_ascii=False, indent=1))
        return
    for version in listed:
        click.echo(f"{version['id']}  {version['time']}  {version['quads']:>9} quads  "
                   f"+{sum(version['added'].values())} -{sum(version['removed'].values())}  "
                   f"{version['message'] or ''}".rstrip())
    if not listed:
        click.echo("no versions recorded (an empty store, or a remote store, which keeps no log)", err=True)
    if check and actual != (current or version_id(0)):
        click.echo(f"error: the store's content ({actual}) is not its last recorded version ({current}): "
                   f"something wrote to it without innograph", err=True)
        ctx.exit(EXIT_INVALID)
    if check:
        click.echo(f"the store's content is version {actual}", err=True)


if __name__ == "__main__":
    main()
