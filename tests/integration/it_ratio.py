# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# it_ratio.py - --ratio NAME=PROBE,NAME_B=PROBE_B: both probes counted, the
# per-process rate in text, JSON (against docs/report.schema.json), per
# interval and through a record; functions and USDT markers; 0/0 is null;
# bad grammar and a probe traced twice are refused with exit 2.
# exec'd inside run.py's namespace: run, trace, check, bpf, TMP, ROOT...
_RAT_USDT_APP = os.path.join(ROOT, "build", "targets", "usdt_app")


def _rat_usdt_arg():
    u = "usdt:%s:optrace:cache:" % _RAT_USDT_APP
    return "hit=%shit,miss=%smiss" % (u, u)


def _rat_one(doc, name_a):
    found = [x for x in doc.get("ratios", []) if x["name_a"] == name_a]
    check(len(found) == 1, "ratio %r: %d entries in %s" % (name_a, len(found), doc.get("ratios")))
    return found[0]


def _rat_schema_check(doc):
    try:
        import jsonschema
    except ImportError:
        return
    schema = json.load(open(os.path.join(ROOT, "docs", "report.schema.json")))
    jsonschema.validate(doc, schema)


@bpf
def test_ratio_usdt_markers_hit_rate():
    # usdt_app N: 3N cache hits, N misses (OPTRACE_COUNT markers)
    docs, _, _ = trace([], [_RAT_USDT_APP, "20"], extra=["--ratio", _rat_usdt_arg()])
    d = final(docs)
    _rat_schema_check(d)
    r = _rat_one(d, "hit")
    check(r["name_b"] == "miss", "name_b %r" % r["name_b"])
    check((r["count_a"], r["count_b"]) == (60, 20), "counts %d/%d, want 60/20"
          % (r["count_a"], r["count_b"]))
    check(abs(r["ratio"] - 0.75) < 1e-9, "ratio %r, want 0.75" % r["ratio"])
    check(op(d, "hit")["counted"] and op(d, "miss")["calls"] == 20, "ops %s" % d["ops"])
    text, _, _ = trace([], [_RAT_USDT_APP, "20"], extra=["--ratio", _rat_usdt_arg()], fmt="text")
    check("  hit rate 75.0%: hit 60, miss 20\n" in text, "no ratio line in:\n%s" % text)


@bpf
def test_ratio_functions_exact_and_zero():
    # nest N: op_outer N times, op_inner 2N times; op_fast/op_sleep never run
    extra = ["--ratio", "outer=%s,inner=%s" % (probe("op_outer"), probe("op_inner")),
             "--ratio", "fast=%s,slow=%s" % (probe("op_fast"), probe("op_sleep"))]
    docs, _, _ = trace([], [WORKLOAD, "nest", "300"], extra=extra)
    d = final(docs)
    no_loss(d)
    _rat_schema_check(d)
    r = _rat_one(d, "outer")
    check((r["count_a"], r["count_b"]) == (300, 600), "counts %d/%d, want 300/600"
          % (r["count_a"], r["count_b"]))
    check(abs(r["ratio"] - 1 / 3) < 1e-9, "ratio %r, want 1/3" % r["ratio"])
    check(op(d, "outer")["counted"], "outer is not counted")
    z = _rat_one(d, "fast")
    check((z["count_a"], z["count_b"], z["ratio"]) == (0, 0, None), "0/0 ratio %s" % z)
    text, _, _ = trace([], [WORKLOAD, "nest", "30"], extra=extra, fmt="text")
    check("  outer rate 33.3%: outer 30, inner 60\n" in text, "no outer line in:\n%s" % text)
    check("  fast rate n/a: fast 0, slow 0\n" in text, "no n/a line in:\n%s" % text)


@bpf
def test_ratio_record_roundtrip():
    path = os.path.join(TMP, "ratio.optrace")
    r = run([OPTRACE, "record", "-o", path, "--ratio", _rat_usdt_arg(), "--",
             _RAT_USDT_APP, "10"])
    check(r.returncode == 0, "record exited %d: %s" % (r.returncode, r.stderr))
    rep = run([OPTRACE, "report", path, "-f", "json"])
    check(rep.returncode == 0, "report exited %d: %s" % (rep.returncode, rep.stderr))
    d = json.loads(rep.stdout)
    x = _rat_one(d, "hit")
    check((x["count_a"], x["count_b"], x["ratio"]) == (30, 10, 0.75), "read back %s" % x)


@bpf
def test_ratio_per_interval():
    extra = ["-i", "200ms", "--ratio", "outer=%s,inner=%s" % (probe("op_outer"), probe("op_inner"))]
    docs, _, _ = trace([], [WORKLOAD, "nest", "100"], extra=extra)
    d = final(docs)
    check(_rat_one(d, "outer")["count_a"] == 100, "final %s" % d["ratios"])
    for iv in docs[:-1]:
        for x in iv.get("ratios", []):
            check(x["ratio"] is None or abs(x["ratio"] - 1 / 3) < 0.02 or x["count_a"] < 5,
                  "interval ratio %s" % x)


def test_ratio_usage_errors():
    cases = [
        ("hit=%s" % probe("op_fast"), "no second NAME_B=SPEC_B"),
        ("hit=%s,hit=%s" % (probe("op_fast"), probe("op_sleep")), "both sides are named"),
        ("hit=%s,miss=%s" % (probe("op_fast,name=x"), probe("op_sleep")), "drop name="),
        ("hit=usdt:%s:svc:req_start..req_done,miss=%s" % (_RAT_USDT_APP, probe("op_fast")),
         "BEGIN..END pair"),
    ]
    for arg, want in cases:
        r = run([OPTRACE, "trace", "--ratio", arg, "--", WORKLOAD, "count", "1"])
        check(r.returncode == 2, "--ratio %s exited %d, want 2" % (arg, r.returncode))
        check("bad --ratio" in r.stderr and want in r.stderr,
              "--ratio %s: stderr %r lacks %r" % (arg, r.stderr, want))


@bpf
def test_ratio_probe_given_twice():
    r = run([OPTRACE, "trace", "-u", probe("op_outer"), "--ratio",
             "outer=%s,inner=%s" % (probe("op_outer"), probe("op_inner")),
             "--", WORKLOAD, "nest", "1"])
    check(r.returncode == 2, "exited %d, want 2: %s" % (r.returncode, r.stderr))
    check("--ratio outer: no op named 'outer'" in r.stderr, "stderr %r" % r.stderr)
