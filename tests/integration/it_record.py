# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# it_record.py - records and `optrace report`: a record rendered later gives
# the live trace's report (same JSON document, same text), the JSON output
# validates against docs/report.schema.json, and bad files (corrupt,
# truncated, foreign, empty, newer, missing) exit 2 with one clear line.
# exec'd inside run.py's namespace: run, probe, WORKLOAD, TMP, check, bpf...
import gzip
import random

SCHEMA_PATH = os.path.join(ROOT, "docs", "report.schema.json")


def _record(name, fmt, probes, cmd, extra=()):
    """optrace record -o TMP/name -f fmt ... -- cmd; returns (record path, live stdout)."""
    path = os.path.join(TMP, name)
    args = [OPTRACE, "record", "-o", path, "-f", fmt]
    args += [a for u in probes for a in ("-u", u)] + list(extra) + ["--"] + list(cmd)
    r = run(args)
    check(r.returncode == 0, "optrace record exited %d: %s" % (r.returncode, r.stderr.strip()))
    check(os.path.exists(path), "no record written at %s" % path)
    check(not [f for f in os.listdir(TMP) if f.startswith("." + name + ".")],
          "temporary file left next to the record")
    return path, r.stdout


def _report(path, *args, want_rc=0):
    r = run([OPTRACE, "report", path] + list(args))
    check(r.returncode == want_rc, "optrace report %s exited %d, want %d: %s"
          % (" ".join(args), r.returncode, want_rc, r.stderr.strip()))
    return r


# The command's own stdout would mix with the live report on stdout.
def _quiet(*cmd):
    return ["sh", "-c", 'exec "$@" >/dev/null', "sh"] + [str(c) for c in cmd]


_PROBES = [probe("op_err", ",error=ret<0,name=lookup,category=db")]


def _validate(doc, what):
    import jsonschema
    schema = json.load(open(SCHEMA_PATH))
    try:
        jsonschema.Draft202012Validator(schema).validate(doc)
    except jsonschema.ValidationError as e:
        raise Fail("%s does not validate against %s: %s at %s"
                   % (what, SCHEMA_PATH, e.message, "/".join(str(p) for p in e.absolute_path)))


def test_record_schema_is_valid():
    import jsonschema
    schema = json.load(open(SCHEMA_PATH))
    jsonschema.Draft202012Validator.check_schema(schema)
    check(schema.get("$schema", "").endswith("2020-12/schema"), "schema draft: %s"
          % schema.get("$schema"))


@bpf
def test_record_report_json_same_as_live():
    path, live = _record("j.optrace", "json", _PROBES, _quiet(WORKLOAD, "errors", 3000),
                         ["--spans", "50"])
    docs = parse_docs(live)
    check(len(docs) == 1, "live output holds %d documents, want 1" % len(docs))
    live_doc = docs[0]
    rep_doc = json.loads(_report(path, "-f", "json").stdout)
    # Nothing excluded: the record keeps every number the live report printed.
    if rep_doc != live_doc:
        diffs = [k for k in set(live_doc) | set(rep_doc) if live_doc.get(k) != rep_doc.get(k)]
        raise Fail("report -f json differs from the live json in %s" % sorted(diffs))
    o = op(rep_doc, "lookup")
    check((o["calls"], o["errors"]) == (3000, 2000), "lookup calls, errors: %d, %d"
          % (o["calls"], o["errors"]))
    check(o["latency_ns"]["p99"] is not None and o["time_split"] is not None,
          "percentiles or split missing: %s" % o)
    no_loss(rep_doc)
    _validate(live_doc, "live -f json")
    _validate(rep_doc, "report -f json")
    # The record itself: documented top level, schema version 1, spans kept.
    rec = json.loads(gzip.open(path).read())
    check((rec["format"], rec["schema_version"]) == ("optrace.record", 1),
          "record header %s %s" % (rec.get("format"), rec.get("schema_version")))
    check(0 < len(rec["report"]["spans"]) <= 50, "%d spans kept with --spans 50"
          % len(rec["report"]["spans"]))
    hist = rec["report"]["ops"][0]["latency_hist"]
    check(sum(c for _, c in hist["buckets"]) == hist["count"] == 3000,
          "record histogram holds %d calls" % hist["count"])


@bpf
def test_record_report_text_same_as_live():
    path, live = _record("t.optrace", "text", _PROBES, _quiet(WORKLOAD, "errors", 2000))
    text = _report(path).stdout
    check(text == live, "report text differs from the live text:\n--- live\n%s\n--- report\n%s"
          % (live, text))
    check("lookup" in text and "2000 calls" in text, "text report: %.300s" % text)
    out = os.path.join(TMP, "t.txt")
    _report(path, "-f", "text", "-o", out)
    check(open(out).read() == live, "report -o differs from stdout")


@bpf
def test_record_report_filters():
    path, _ = _record("f.optrace", "json", _PROBES + [probe("op_fast")],
                      _quiet(WORKLOAD, "errors", 500))
    doc = json.loads(_report(path, "-f", "json", "--op", "look*").stdout)
    check([o["name"] for o in doc["ops"]] == ["lookup"], "--op look*: ops %s"
          % [o["name"] for o in doc["ops"]])
    doc = json.loads(_report(path, "-f", "json", "--pid", "1").stdout)
    check(doc["ops"] == [] and doc["pids"] == [], "--pid 1: %d ops, %d pids"
          % (len(doc["ops"]), len(doc["pids"])))


def _bad_files():
    """name -> (path, expected message); built without BPF."""
    d = os.path.join(TMP, "bad")
    os.makedirs(d, exist_ok=True)
    rng = random.Random(7)
    body = json.dumps({"format": "optrace.record", "schema_version": 1,
                       "report": {"pad": [rng.random() for _ in range(2000)]}}).encode()
    gz = gzip.compress(body)
    flipped = bytearray(gz)
    flipped[len(gz) // 2] ^= 0x55
    files = {
        "corrupt": (bytes(flipped), "corrupt or truncated record"),
        "truncated": (gz[:len(gz) // 2], "corrupt or truncated record"),
        "text": (b"hello\nthis is not a record\n", "not an optrace record"),
        "json": (gzip.compress(b'{"schema": "optrace.report", "ops": []}'),
                 "not an optrace record"),
        "random": (gzip.compress(bytes(rng.randrange(256) for _ in range(4096))),
                   "not an optrace record"),
        "empty": (b"", "empty file"),
        "newer": (gzip.compress(b'{"format": "optrace.record", "schema_version": 7, '
                                b'"report": {}}'),
                  "record schema version 7 is newer than this optrace supports (1); "
                  "upgrade optrace"),
        "badfield": (gzip.compress(b'{"format": "optrace.record", "schema_version": 1, '
                                   b'"report": {"schema": "optrace.report", "version": 1}}'),
                     "bad record: report.meta: missing"),
    }
    out = {}
    for name, (data, msg) in files.items():
        p = os.path.join(d, name + ".optrace")
        with open(p, "wb") as f:
            f.write(data)
        out[name] = (p, msg)
    out["missing"] = (os.path.join(d, "missing.optrace"), "No such file or directory")
    out["directory"] = (d, "is a directory, not a record")
    return out


def test_record_bad_files_exit_2():
    for name, (path, msg) in _bad_files().items():
        for fmt in ("text", "json"):
            r = run([OPTRACE, "report", path, "-f", fmt])
            check(r.returncode == 2, "%s: exit %d (negative: a signal), want 2; stderr: %s"
                  % (name, r.returncode, r.stderr.strip()))
            lines = r.stderr.strip().splitlines()
            check(len(lines) == 1 and path in lines[0] and lines[0].endswith(msg),
                  "%s: stderr %r, want one line naming %s and ending %r"
                  % (name, r.stderr, path, msg))
            check(r.stdout == "", "%s: wrote to stdout: %.100r" % (name, r.stdout))


def test_record_report_usage():
    r = run([OPTRACE, "report", "--help"])
    check(r.returncode == 0 and "Examples:" in r.stdout, "--help: %d %.200s"
          % (r.returncode, r.stdout))
    for args, want in ((["--bogus", "x"], "unknown option"), ([], "a record FILE is needed"),
                       (["x", "-f", "yaml"], "unknown format 'yaml'"),
                       (["x", "--pid", "abc"], "bad pid list")):
        r = run([OPTRACE, "report"] + args)
        check(r.returncode == 2 and want in r.stderr and len(r.stderr.splitlines()) == 1,
              "report %s: exit %d, stderr %r" % (args, r.returncode, r.stderr))
