"""Attacks, each with a test: entity expansion and external entities, remote JSON-LD contexts,
federation and LOAD aimed at local addresses, oversized bodies and header floods, path traversal,
queries built to explode, token guessing (constant-time compare, rate limit) and CORS.

"No connection" is proven with a socket listening on 127.0.0.1: each attack that names it must
leave it untouched. For other addresses (169.254.169.254, 10.x, ...) the proof is the refusal
itself, which happens lexically before pyoxigraph parses anything; the loopback listener shows
that the same refusal stops a real connection.
"""

from __future__ import annotations

import hmac
import http.client as httplib
import threading
import time
from io import BytesIO
from urllib.parse import quote, urlencode

import pytest

from hardening import AUTH, TOKEN, Listener, fingerprint, hardened_app
from innograph.web import responses
from innograph.web.responses import AuthFailures
from live_server import MAX_BODY, http, shared_server, start_server


@pytest.fixture(scope="module")
def app(shipped_store, tmp_path_factory):
    with hardened_app(shipped_store, tmp_path_factory.mktemp("attacks"), query_timeout=3.0) as app:
        yield app



@pytest.fixture
def store(app):
    return app.extensions["innograph"].store


@pytest.fixture
def listener():
    sock = Listener()
    yield sock
    sock.close()


def put(client, body, content_type, graph="urn:attack:g"):
    return client.put("/store?graph=" + quote(graph, safe=""), data=body,
                      headers={**AUTH, "Content-Type": content_type})


# -- RDF/XML: external entities and entity expansion ------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY a "ha">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="urn:ex:">
 <rdf:Description rdf:about="urn:ex:s"><ex:p>&i;</ex:p></rdf:Description>
</rdf:RDF>
"""


def xxe(target: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY leak SYSTEM "{target}"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="urn:ex:">
 <rdf:Description rdf:about="urn:ex:s"><ex:p>&leak;</ex:p></rdf:Description>
</rdf:RDF>
""".encode()


@pytest.mark.parametrize("variant", ["plain", "lower-case", "spaced", "bom", "utf16"])
def test_billion_laughs_is_refused_fast_and_changes_nothing(client, store, variant):
    body = {"plain": BILLION_LAUGHS,
            "lower-case": BILLION_LAUGHS.replace(b"<!DOCTYPE", b"<!doctype").replace(b"<!ENTITY", b"<!entity"),
            "spaced": BILLION_LAUGHS.replace(b"<!DOCTYPE", b"<!\n DOCTYPE"),
            "bom": b"\xef\xbb\xbf" + BILLION_LAUGHS,
            "utf16": BILLION_LAUGHS.decode().encode("utf-16")}[variant]
    before = fingerprint(store)
    started = time.monotonic()
    response = put(client, body, "application/rdf+xml")
    assert time.monotonic() - started < 2
    assert response.status_code == 400
    assert (b"DTD" in response.data) or (b"UTF-8" in response.data)
    assert fingerprint(store) == before


@pytest.mark.parametrize("how", ["put", "post", "multipart"])
def test_external_entities_are_refused_and_never_fetched(client, store, listener, how):
    before = fingerprint(store)
    for target in ("file:///etc/passwd", f"http://127.0.0.1:{listener.port}/secret"):
        body = xxe(target)
        if how == "multipart":
            response = client.post("/store?graph=urn:attack:g", headers=AUTH, content_type="multipart/form-data",
                                   data={"file": (BytesIO(body), "x.rdf", "application/rdf+xml")})
        else:
            response = client.open("/store?graph=urn:attack:g", method=how.upper(), data=body,
                                   headers={**AUTH, "Content-Type": "application/rdf+xml"})
        assert response.status_code == 400 and b"DTD" in response.data
        assert b"root:" not in response.data
    assert fingerprint(store) == before
    assert listener.connections() == 0


def test_update_load_of_rdf_xml_is_refused_before_any_connection(client, listener):
    for text in (f"LOAD <http://127.0.0.1:{listener.port}/bomb.rdf>",
                 f"LOAD SILENT <http://127.0.0.1:{listener.port}/bomb.rdf> INTO GRAPH <urn:g>",
                 "LOAD <file:///etc/passwd>"):
        response = client.post("/sparql", data={"update": text}, headers=AUTH)
        assert response.status_code == expected_status(text) and b"LOAD" in response.data
    assert listener.connections() == 0


def expected_status(update: str) -> int:
    """400 for a refused SERVICE or LOAD; 200 for LOAD SILENT, which SPARQL 1.1 Update makes a
    success that changes nothing when the LOAD fails (and a refused source is such a failure)."""
    return 200 if update.startswith("LOAD SILENT") else 400


# -- JSON-LD: remote contexts and @import -----------------------------------------------------------

def jsonld_documents(port: int) -> dict[str, bytes]:
    url = f"http://127.0.0.1:{port}/context.jsonld"
    return {
        "context": f'{{"@context": "{url}", "@id": "urn:ex:s", "urn:ex:p": "x"}}',
        "context-list": f'{{"@context": [{{"ex": "urn:ex:"}}, "{url}"], "@id": "urn:ex:s", "ex:p": "x"}}',
        "import": f'{{"@context": {{"@version": 1.1, "@import": "{url}"}}, "@id": "urn:ex:s", "urn:ex:p": "x"}}',
        "nested": f'{{"@id": "urn:ex:s", "urn:ex:p": {{"@context": "{url}", "@id": "urn:ex:o"}}}}',
        "scoped": f'{{"@context": {{"ex": {{"@id": "urn:ex:p", "@context": "{url}"}}}}, "@id": "urn:ex:s", '
                  f'"ex": {{"@id": "urn:ex:o"}}}}',
        "graph": f'{{"@context": "{url}", "@graph": [{{"@id": "urn:ex:s", "urn:ex:p": "x"}}]}}',
    }


@pytest.mark.parametrize("name", ["context", "context-list", "import", "nested", "scoped", "graph"])
def test_jsonld_remote_context_is_refused_and_never_fetched(client, store, listener, name):
    before = fingerprint(store)
    body = jsonld_documents(listener.port)[name].encode()
    response = put(client, body, "application/ld+json")
    assert response.status_code == 400, response.data
    assert b"context" in response.data.lower()
    multipart = client.post("/store?graph=urn:attack:g", headers=AUTH, content_type="multipart/form-data",
                            data={"f": (BytesIO(body), "x.jsonld", "application/ld+json")})
    assert multipart.status_code == 400
    assert fingerprint(store) == before
    assert listener.connections() == 0


def test_jsonld_remote_context_over_the_live_server_makes_no_connection(listener):
    server = shared_server()
    auth = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/ld+json"}
    for body in jsonld_documents(listener.port).values():
        assert http(server, "PUT", "/store?graph=urn:test:jsonld-attack", body, auth).status == 400
    assert listener.connections() == 0


# -- SERVICE and LOAD aimed at local and internal addresses -----------------------------------------

ADDRESSES = ["127.0.0.1:{port}", "[::1]:{port}", "0.0.0.0:{port}", "localhost:{port}", "169.254.169.254",
             "10.0.0.1", "10.255.255.254:8080", "172.16.0.1", "192.168.1.1", "[::ffff:127.0.0.1]:{port}",
             "2130706433:{port}", "0x7f.0.0.1:{port}", "127.1:{port}", "[fe80::1]", "metadata.google.internal"]
SERVICE_FORMS = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX e: <{url}> SELECT * WHERE {{ SERVICE e:sparql {{ ?s ?p ?o }} }}",
    "BASE <{url}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ {{ SERVICE <{url}> {{ ?s ?p ?o }} }} UNION {{ }} }} }}",
    "SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    "ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
]
UPDATE_FORMS = [
    "LOAD <{url}>",
    "LOAD SILENT <{url}> INTO GRAPH <urn:g>",
    "INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "DELETE {{ ?s ?p ?o }} WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
]


def urls(port: int) -> list[str]:
    return [f"{scheme}://{address.format(port=port)}/" for address in ADDRESSES for scheme in ("http", "https")] \
        + ["file:///etc/passwd", f"ftp://127.0.0.1:{port}/"]


def test_service_to_any_local_or_internal_address_is_400_and_connects_nowhere(client, listener):
    refused = 0
    for url in urls(listener.port):
        for form in SERVICE_FORMS:
            response = client.get("/sparql?" + urlencode({"query": form.format(url=url)}))
            assert response.status_code == 400, (url, form, response.data)
            assert b"SERVICE" in response.data
            refused += 1
    assert refused == len(urls(listener.port)) * len(SERVICE_FORMS)
    assert listener.connections() == 0


def test_load_and_update_service_to_local_addresses_are_400_and_change_nothing(client, store, listener):
    before = fingerprint(store)
    for url in urls(listener.port):
        for form in UPDATE_FORMS:
            response = client.post("/sparql", data={"update": form.format(url=url)}, headers=AUTH)
            assert response.status_code == expected_status(form), (url, form, response.data)
    assert fingerprint(store) == before
    assert listener.connections() == 0


def test_live_server_service_and_load_to_loopback_connect_nowhere(listener):
    server = shared_server()
    auth = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/sparql-update"}
    for url in urls(listener.port)[:8]:
        for form in SERVICE_FORMS:
            assert http(server, "GET", "/sparql?" + urlencode({"query": form.format(url=url)})).status == 400
        for form in UPDATE_FORMS:
            assert http(server, "POST", "/sparql", form.format(url=url), auth).status == expected_status(form)
    time.sleep(0.3)
    assert listener.connections() == 0


def test_allow_list_cannot_be_escaped_by_user_info_or_a_longer_host(shipped_store, tmp_path, listener):
    """An allowed prefix written without its final slash must not let ``http://allowed@127.0.0.1``
    or ``http://allowed.attacker/`` through: both start with the prefix but connect elsewhere.
    (Found by this test: the allow-list was a bare string prefix, and pyoxigraph connected.)"""
    with hardened_app(shipped_store, tmp_path, service_allow=("http://example.org",),
                      load_allow=("http://example.org",), query_workers=1) as app:
        client = app.test_client()
        for url in (f"http://example.org@127.0.0.1:{listener.port}/sparql",
                    f"http://example.org:x@127.0.0.1:{listener.port}/sparql",
                    f"http://example.org.127.0.0.1.nip.io:{listener.port}/",
                    f"http://example.org:{listener.port}/"):
            query = f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
            response = client.get("/sparql?" + urlencode({"query": query}))
            assert response.status_code == 400 and b"not under an allowed prefix" in response.data, url
            response = client.post("/sparql", data={"update": f"LOAD <{url}>"}, headers=AUTH)
            assert response.status_code == 400, url
        time.sleep(0.3)
        assert listener.connections() == 0


# -- oversized bodies and header floods ---------------------------------------------------------------

def test_oversized_bodies_are_413_in_the_app(client, app, store):
    limit = app.extensions["innograph"].settings.max_body_bytes
    before = fingerprint(store)
    big = b"<urn:a> <urn:b> \"" + b"x" * limit + b"\" .\n"
    assert put(client, big, "application/n-triples").status_code == 413
    assert client.post("/sparql", data=b"ASK {} #" + b"x" * limit,
                       headers={"Content-Type": "application/sparql-query"}).status_code == 413
    assert client.post("/sparql", data={"update": "INSERT DATA {} #" + "x" * limit},
                       headers=AUTH).status_code == 413
    response = client.post("/store?graph=urn:attack:g", headers=AUTH, content_type="multipart/form-data",
                           data={"f": (BytesIO(big), "x.nt", "application/n-triples")})
    assert response.status_code == 413 and b"INNOGRAPH_MAX_BODY_BYTES" in response.data
    assert fingerprint(store) == before


def test_oversized_bodies_are_413_on_the_live_server():
    server = shared_server()
    auth = {"Authorization": f"Bearer {server.token}"}
    big = "<urn:a> <urn:b> \"" + "x" * (MAX_BODY + 10) + "\" .\n"
    reply = http(server, "PUT", "/store?graph=urn:test:big", big, {**auth, "Content-Type": "application/n-triples"})
    assert reply.status == 413
    reply = http(server, "POST", "/sparql", "ASK {} #" + "x" * (MAX_BODY + 10),
                 {"Content-Type": "application/sparql-query"})
    assert reply.status == 413
    # Chunked: no Content-Length to refuse early; waitress counts the bytes as they arrive.
    connection = httplib.HTTPConnection(server.url.split("//", 1)[1], timeout=30)
    try:
        connection.putrequest("POST", "/sparql")
        connection.putheader("Content-Type", "application/sparql-query")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        chunk = b"#" + b"x" * 65535
        try:
            for _ in range(MAX_BODY // len(chunk) + 3):
                connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            connection.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert connection.getresponse().status == 413
    finally:
        connection.close()
    assert http(server, "GET", "/sparql?query=ASK%7B%7D").status == 200


def test_header_flood_is_431_on_the_live_server():
    server = shared_server()
    flood = {f"X-Flood-{i}": "y" * 1000 for i in range(100)}          # ~100 KB > the 64 KB default
    reply = http(server, "GET", "/sparql?query=ASK%7B%7D", headers=flood)
    assert reply.status == 431
    one_huge = {"X-Huge": "z" * 70_000}
    assert http(server, "GET", "/sparql?query=ASK%7B%7D", headers=one_huge).status == 431
    assert http(server, "GET", "/sparql?query=ASK%7B%7D", headers={f"X-Ok-{i}": "y" * 100
                                                                      for i in range(50)}).status == 200


# -- path traversal -----------------------------------------------------------------------------------

TRAVERSALS = ["../../../../etc/passwd", "..%2f..%2f..%2f..%2fetc%2fpasswd", "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
              "%252e%252e%252f%252e%252e%252fetc%252fpasswd", "..%252f..%252f..%252fetc%252fpasswd",
              "....//....//etc/passwd", "..\\..\\..\\etc\\passwd", "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
              "..%00/etc/passwd", "/etc/passwd", "%2fetc%2fpasswd", "..;/..;/etc/passwd",
              "../../pyproject.toml", "..%2f..%2fpyproject.toml", "../../../src/innograph/settings.py"]
ROUTES = ["/queries/", "/dumps/", "/dumps/innograph.", "/doc/", "/id/", "/graph/", "/graphs/", "/ontology/",
          "/static/", "/graphs/alliances/"]
SECRETS = [b"root:x:0:0", b"[build-system]", b"ENV_PREFIX"]


def test_path_traversal_on_every_named_route_reads_nothing_in_the_app(client):
    for route in ROUTES:
        for attack in TRAVERSALS:
            response = client.get(route + attack)
            if response.status_code == 303:         # /id/x -> /doc/x (httpRange-14), then 404
                assert response.headers["Location"].startswith("/doc/")
                response = client.get(response.headers["Location"])
            assert response.status_code in {400, 404, 308}, (route + attack, response.status_code)
            assert not any(secret in response.data for secret in SECRETS), route + attack


def test_path_traversal_on_every_named_route_reads_nothing_on_the_live_server():
    server = shared_server()
    for route in ROUTES:
        for attack in TRAVERSALS:
            reply = http(server, "GET", route + attack)
            if reply.status == 303:
                assert reply.header("location").startswith("/doc/")
                reply = http(server, "GET", reply.header("location"))
            assert reply.status in {400, 404, 308}, (route + attack, reply.status)
            assert not any(secret in reply.body for secret in SECRETS), route + attack
    # Traversal in a query parameter that names a file: the named-query catalogue is looked up by name.
    assert http(server, "GET", "/queries/" + quote("../../queries/city-label", safe="")).status == 404


# -- queries built to explode ------------------------------------------------------------------------

CHEAP = "SELECT ?c WHERE { ?c a <https://schema.org/City> } LIMIT 3"
EXPLOSIONS = {
    "cartesian": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "ordered cartesian": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f",
    "path star": "SELECT (COUNT(*) AS ?n) WHERE { ?s (" + "/".join(["(<urn:p>|!<urn:q>)"] * 40) + ")* ?o }",
    "path any": "SELECT (COUNT(*) AS ?n) WHERE { ?s (!<urn:none>)*/(!<urn:none>)*/(!<urn:none>)* ?o }",
    "regex": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(REGEX(STR(?c), \"(a|aa)+$\")) }",
}


@pytest.mark.parametrize("name", sorted(EXPLOSIONS))
def test_explosive_queries_stop_at_the_time_limit_while_others_answer(client, app, name):
    limit = app.extensions["innograph"].settings.query_timeout
    answers = {}

    def cheap():
        time.sleep(0.5)
        started = time.monotonic()
        response = app.test_client().get("/sparql?" + urlencode({"query": CHEAP}))
        answers["cheap"] = (response.status_code, time.monotonic() - started, response.data[:200])

    other = threading.Thread(target=cheap)
    other.start()
    started = time.monotonic()
    response = client.get("/sparql?" + urlencode({"query": EXPLOSIONS[name]}))
    elapsed = time.monotonic() - started
    other.join(timeout=30)
    assert response.status_code in {200, 503}, response.data
    assert elapsed < limit + 3
    if response.status_code == 503:
        assert b"time limit" in response.data
    assert answers["cheap"][0] == 200 and answers["cheap"][1] < limit, answers["cheap"]


def test_rows_are_capped_with_a_header(client, app):
    cap = app.extensions["innograph"].settings.max_rows
    response = client.get("/sparql?" + urlencode({"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }",
                                                  "format": "csv"}))
    assert response.status_code == 200
    assert response.headers["Innograph-Results-Truncated"] == "true"
    assert response.data.count(b"\n") == cap + 1


def test_huge_values_and_repetition_are_bounded(client, app):
    values = " ".join(f"<urn:v:{i}>" for i in range(6_000))            # 2 x ~85 KB, under the body cap
    query = f"SELECT * WHERE {{ VALUES ?v {{ {values} }} VALUES ?w {{ {values} }} }}"
    response = client.post("/sparql", data=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert response.status_code in {200, 503}
    if response.status_code == 200:
        assert response.headers["Innograph-Results-Truncated"] == "true"
    ranged = "SELECT (COUNT(*) AS ?n) WHERE { ?s (<urn:p>|!<urn:q>){1,60} ?o }"
    assert client.get("/sparql?" + urlencode({"query": ranged})).status_code in {400, 503, 200}


@pytest.mark.parametrize("opener, closer", [("{", "}"), ("(", ")"), ("[", "]"), ("{ OPTIONAL {", "}}"),
                                            ("<<", ">>")])
def test_5000_deep_nesting_is_400_before_parsing(client, store, opener, closer):
    depth = 5000
    query = "SELECT * WHERE { " + opener * depth + " " + closer * depth + " }"
    started = time.monotonic()
    response = client.get("/sparql?" + urlencode({"query": query}))
    assert response.status_code == 400 and b"nested more than" in response.data
    assert time.monotonic() - started < 2
    before = fingerprint(store)
    update = "INSERT DATA { " + opener * depth + closer * depth + " }"
    assert client.post("/sparql", data={"update": update}, headers=AUTH).status_code == 400
    assert fingerprint(store) == before
    # The workers are alive: a deep query never reached them.
    assert client.get("/sparql?" + urlencode({"query": CHEAP})).status_code == 200


def test_deep_nesting_does_not_crash_the_live_server():
    server = shared_server()
    for opener, closer in [("{", "}"), ("(", ")"), ("[", "]")]:
        query = "SELECT * WHERE { FILTER(" + opener * 5000 + closer * 5000 + ") }"
        assert http(server, "POST", "/sparql", query, {"Content-Type": "application/sparql-query"}).status == 400
    assert server.process.poll() is None
    assert http(server, "GET", "/sparql?" + urlencode({"query": CHEAP})).status == 200


# -- RDF-star: a write the shapes cannot validate ----------------------------------------------------

def test_triple_terms_are_400_not_500(client, store):
    """Regression: a quoted triple reached SHACL's rdflib conversion and raised TypeError (500)."""
    before = fingerprint(store)
    response = put(client, b"<< <urn:a> <urn:b> <urn:c> >> <urn:b> <urn:c> .", "text/turtle")
    assert response.status_code == 400 and b"triple terms" in response.data
    response = client.post("/sparql", data={"update": "INSERT DATA { << <urn:a> <urn:b> <urn:c> >> <urn:b> 1 }"},
                           headers=AUTH)
    assert response.status_code == 400 and b"triple terms" in response.data
    assert fingerprint(store) == before


def test_update_evaluation_errors_are_400_not_500(client, store):
    """Regression: DROP/CREATE GRAPH (not SILENT) on a missing/existing graph raised pyoxigraph's
    RuntimeError, which escaped as a 500."""
    before = fingerprint(store)
    for update in ("DROP GRAPH <urn:attack:never-there>", "CLEAR GRAPH <urn:attack:never-there>",
                   "CREATE GRAPH <https://w3id.org/innograph/graph/places>"):
        response = client.post("/sparql", data={"update": update}, headers=AUTH)
        assert response.status_code == 400 and b"the update failed" in response.data, update
    assert fingerprint(store) == before
    assert client.post("/sparql", data={"update": "DROP SILENT GRAPH <urn:attack:never-there>"},
                       headers=AUTH).status_code == 200


# -- tokens: constant-time comparison and a failure rate limit ---------------------------------------

def wrong_tokens() -> list[str]:
    tokens = [TOKEN[:n] for n in range(1, len(TOKEN))]                  # every proper prefix
    tokens += ["x" * n for n in (1, 8, 31, len(TOKEN), len(TOKEN) + 1, 200)]
    tokens += [TOKEN + "x", TOKEN.upper(), "x" + TOKEN[1:], TOKEN[:-1] + "x", TOKEN[::-1]]
    return tokens


def test_every_wrong_token_gets_the_same_401_through_compare_digest(client, store, monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(responses.hmac, "compare_digest", spy)
    before = fingerprint(store)
    answers = set()
    tokens = wrong_tokens()
    for token in tokens:
        response = client.post("/sparql", data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"},
                               headers={"Authorization": f"Bearer {token}"})
        answers.add((response.status_code, response.data, response.headers["WWW-Authenticate"],
                     response.headers["Content-Type"]))
    assert len(answers) == 1 and next(iter(answers))[0] == 401
    # One constant-time comparison per guess, on inputs of equal length whatever the guess's length
    # (no early return on a wrong prefix or a wrong length).
    assert len(calls) == len(tokens)
    assert {(len(a), len(b)) for a, b in calls} == {(32, 32)}
    assert fingerprint(store) == before
    right = client.post("/store?graph=urn:attack:token", data=b"<urn:a> <urn:b> <urn:c> .",
                        headers={**AUTH, "Content-Type": "application/n-triples"})
    assert right.status_code == 201 and len(calls) == len(tokens) + 1
    assert client.delete("/store?graph=urn:attack:token", headers=AUTH).status_code == 204


def test_failed_authentications_are_rate_limited_per_client(client, app, store, monkeypatch):
    now = [1000.0]
    limiter = AuthFailures(3, clock=lambda: now[0])
    monkeypatch.setattr(app.extensions["innograph"], "auth_failures", limiter)
    compared = []
    real = hmac.compare_digest
    monkeypatch.setattr(responses.hmac, "compare_digest", lambda a, b: compared.append(1) or real(a, b))
    attacker = {"REMOTE_ADDR": "203.0.113.7"}
    bad = {"Authorization": "Bearer guess"}
    body = {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}
    before = fingerprint(store)
    for _ in range(3):
        assert client.post("/sparql", data=body, headers=bad, environ_base=attacker).status_code == 401
        now[0] += 1
    locked = client.post("/sparql", data=body, headers=bad, environ_base=attacker)
    assert locked.status_code == 429 and b"INNOGRAPH_AUTH_FAILURES_PER_MINUTE" in locked.data
    assert int(locked.headers["Retry-After"]) == 57                     # the first failure expires at 1060
    # While locked out, even the right token is not compared (guessing cannot go faster), on every
    # write route; a missing token counts as a failure too.
    compared.clear()
    for method, path, content_type in (("POST", "/sparql", "application/sparql-update"),
                                       ("PUT", "/store?graph=urn:x", "application/n-triples"),
                                       ("DELETE", "/store?graph=urn:x", "application/n-triples"),
                                       ("POST", "/store", "application/n-triples")):
        data = b"INSERT DATA { <urn:a> <urn:b> <urn:c> }" if path == "/sparql" else b"<urn:a> <urn:b> <urn:c> ."
        response = client.open(path, method=method, data=data,
                               headers={**AUTH, "Content-Type": content_type}, environ_base=attacker)
        assert response.status_code == 429 and response.headers["Retry-After"]
    assert compared == []
    # Another address is not affected.
    other = client.post("/store?graph=urn:attack:rate", data=b"<urn:a> <urn:b> <urn:c> .",
                        headers={**AUTH, "Content-Type": "application/n-triples"},
                        environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert other.status_code == 201
    assert client.delete("/store?graph=urn:attack:rate", headers=AUTH,
                         environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 204
    assert fingerprint(store) == before
    # After the minute the address may try again.
    now[0] += 60
    assert client.post("/sparql", data=body, headers=bad, environ_base=attacker).status_code == 401


def test_failure_tracking_memory_is_bounded():
    limiter = AuthFailures(2, max_clients=100)
    for i in range(1000):
        limiter.failed(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._failures) == 100
    assert limiter.retry_after("10.0.3.231") is None                   # one failure: under the limit
    limiter.failed("10.0.3.231")
    assert limiter.retry_after("10.0.3.231") is not None


def test_rate_limit_on_the_live_server():
    server = start_server(data=[], env={"INNOGRAPH_AUTH_FAILURES_PER_MINUTE": "3"})
    try:
        update = {"Content-Type": "application/sparql-update"}
        statuses = [http(server, "POST", "/sparql", "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                         {**update, "Authorization": f"Bearer wrong-{i}"}).status for i in range(5)]
        assert statuses == [401, 401, 401, 429, 429]
        reply = http(server, "POST", "/sparql", "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                     {**update, "Authorization": f"Bearer {server.token}"})
        assert reply.status == 429 and 50 <= int(reply.header("retry-after")) <= 60
        assert http(server, "GET", "/sparql?query=ASK%7B%7D").status == 200         # reads still answer
    finally:
        server.stop()


# -- CORS: reads only -----------------------------------------------------------------------------------

@pytest.mark.parametrize("method, headers", [("PUT", ""), ("DELETE", ""), ("PATCH", ""),
                                             ("POST", "authorization"), ("POST", "Content-Type, Authorization"),
                                             ("GET", "authorization"), ("POST", "x-requested-with")])
def test_preflight_of_a_write_gets_no_cors_headers(client, method, headers):
    for path in ("/sparql", "/store", "/store?graph=urn:x"):
        request_headers = {"Origin": "https://evil.example", "Access-Control-Request-Method": method}
        if headers:
            request_headers["Access-Control-Request-Headers"] = headers
        response = client.options(path, headers=request_headers)
        assert not [h for h in response.headers.keys() if h.lower().startswith("access-control-allow")], \
            (method, headers, path, dict(response.headers))


def test_preflight_of_a_read_is_allowed(client):
    response = client.options("/sparql", headers={"Origin": "https://app.example",
                                                  "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "content-type, accept"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "authorization" not in response.headers["Access-Control-Allow-Headers"].lower()
    assert "PUT" not in response.headers["Access-Control-Allow-Methods"]


def test_cross_origin_writes_are_refused_without_cors_headers(client, store):
    before = fingerprint(store)
    evil = {"Origin": "https://evil.example", **AUTH}
    for response in (client.post("/sparql", data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}, headers=evil),
                     client.put("/store?graph=urn:x", data=b"<urn:a> <urn:b> <urn:c> .",
                                headers={**evil, "Content-Type": "application/n-triples"}),
                     client.delete("/store?graph=" + quote("https://w3id.org/innograph/graph/places", safe=""),
                                   headers=evil)):
        assert response.status_code == 403 and b"another origin" in response.data
        assert "Access-Control-Allow-Origin" not in response.headers
    assert fingerprint(store) == before
    read = client.get("/sparql?" + urlencode({"query": CHEAP}), headers={"Origin": "https://app.example"})
    assert read.status_code == 200 and read.headers["Access-Control-Allow-Origin"] == "*"

