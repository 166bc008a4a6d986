# Export formats (issue 5): csv, prom, html and perfetto, each from a live
# trace of the workload and checked by a real consumer: Python's csv module,
# `promtool check metrics`, headless Chromium (a screenshot whose pixels are
# counted) and json.load.  Exec'd in run.py's namespace: run(), trace(),
# probe(), WORKLOAD, TMP, check(), Skip, @bpf and the rest come from there;
# this file's own names start with _exp/EXP_ so that other it_*.py files
# (exec'd into the same namespace) cannot shadow them.
import csv as csv_mod
import io as io_mod

EXP_PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
EXP_CHROMIUM = shutil.which("chromium-headless-shell") or "/usr/bin/chromium-headless-shell"

# The demo: handle_request -> parse (CPU), db_query (sleeps; some fail).
EXP_DEMO_PROBES = [probe("handle_request"), probe("db_query", ",error=ret<0,category=db"),
                   probe("parse")]
# An op name with a newline, quotes and markup: every format must carry it.
EXP_ODD_NAME = 'odd\n"q" <b>&amp;'

# What render_html.c draws with (docs/formats.md).
EXP_COL_ONCPU, EXP_COL_OFFCPU, EXP_COL_HIST, EXP_COL_P50, EXP_COL_P99 = (
    "#4e79a7", "#76b7b2", "#59a14f", "#17becf", "#9467bd")


def _exp_out_path(result):
    """The -o file of a trace() result."""
    return result.args[result.args.index("-o") + 1]


def _exp_raw(result):
    with open(_exp_out_path(result), "rb") as f:
        return f.read().decode("utf-8")


def _exp_csv_rows(text):
    """RFC 4180 text -> list of dicts; checks CRLF line ends and the row lengths."""
    body = text.replace('""', "")
    outside = "".join(part for i, part in enumerate(body.split('"')) if i % 2 == 0)
    check(outside.endswith("\r\n"), "CSV does not end in CRLF")
    check("\n" not in outside.replace("\r\n", ""), "a record ends in a bare LF, not CRLF")
    rows = list(csv_mod.reader(io_mod.StringIO(text, newline=""), strict=True))
    check(len(rows) >= 1 and rows[0][0] == "pid", "no header row: %.100r" % text)
    for r in rows[1:]:
        check(len(r) == len(rows[0]), "row of %d fields, header has %d: %r"
              % (len(r), len(rows[0]), r[:4]))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def _exp_num(s):
    return float(s) if s != "" else None


@bpf
def test_export_csv_live():
    # Deterministic figures (calls, errors by errno, bytes) are the same in
    # a json run and a csv run of the same command.
    probes = [probe("op_err", ",error=ret<0,category=db"), probe("op_fast", ",name=" + EXP_ODD_NAME)]
    cmd = [WORKLOAD, "errors", 3000]
    docs, _, _ = trace(probes, cmd)
    doc = final(docs)
    _, target, r = trace(probes, cmd, fmt="csv")
    rows = _exp_csv_rows(_exp_raw(r))
    check(len(rows) == len(doc["ops"]), "%d CSV rows, the json report has %d ops"
          % (len(rows), len(doc["ops"])))
    by = {row["op"]: row for row in rows}
    check(EXP_ODD_NAME in by, "op name with newline and quotes not read back: %s" % sorted(by))
    odd = by[EXP_ODD_NAME]
    check(odd["calls"] == "0" and odd["p50_ns"] == "" and odd["mean_ns"] == "",
          "an op with no calls: calls %r, p50 %r, mean %r (want 0, empty, empty)"
          % (odd["calls"], odd["p50_ns"], odd["mean_ns"]))
    row, o = by["op_err"], op(doc, "op_err")
    for col, key in (("calls", "calls"), ("errors", "errors"), ("category", "category"),
                     ("function", "func"), ("binary", "path"), ("error_mode", "error_mode"),
                     ("comm", "comm")):
        check(row[col] == str(o[key]), "%s: CSV %r, json %r" % (col, row[col], o[key]))
    check(row["calls"] == "3000" and row["errors"] == "2000", "calls/errors %s/%s, want "
          "3000/2000" % (row["calls"], row["errors"]))
    types = dict(t.split("=") for t in row["errors_by_type"].split(";"))
    check(types == {"ENOENT": str(target["enoent"]), "EAGAIN": str(target["eagain"])},
          "errors_by_type %r, the target counted ENOENT %d EAGAIN %d"
          % (row["errors_by_type"], target["enoent"], target["eagain"]))
    check(near(float(row["error_rate"]), 2 / 3, 0.001), "error_rate %s" % row["error_rate"])
    lat = [int(row[c]) for c in ("min_ns", "p50_ns", "p90_ns", "p99_ns", "max_ns")]
    check(lat == sorted(lat) and lat[0] > 0, "latency columns not ordered: %s" % lat)
    check(float(row["window_s"]) > 0 and row["report"] == "final", "window/report columns")


def _exp_record(probes, cmd, extra=()):
    """optrace record of one run; returns the record's path."""
    _exp_record.n = getattr(_exp_record, "n", 0) + 1
    rec = os.path.join(TMP, "exports%d.optrace" % _exp_record.n)
    args = [OPTRACE, "record", "-o", rec] + [a for u in probes for a in ("-u", u)]
    r = run(args + list(extra) + ["--"] + [str(c) for c in cmd])
    check(r.returncode == 0 and os.path.exists(rec),
          "optrace record exited %d, record %s: %s"
          % (r.returncode, "written" if os.path.exists(rec) else "missing", r.stderr.strip()))
    return rec


def _exp_report(rec, fmt):
    path = out_file()
    r = run([OPTRACE, "report", rec, "-f", fmt, "-o", path])
    check(r.returncode == 0, "optrace report -f %s exited %d: %s"
          % (fmt, r.returncode, r.stderr.strip()))
    with open(path, "rb") as f:
        return f.read().decode("utf-8")


@bpf
def test_export_csv_matches_json_of_same_run():
    # One run, recorded, reported as json and as csv: every number that both
    # have is the same (exactly for integers, to 1e-12 for reals).
    rec = _exp_record(EXP_DEMO_PROBES, [WORKLOAD, "demo", 2])
    doc = json.loads(_exp_report(rec, "json"))
    rows = _exp_csv_rows(_exp_report(rec, "csv"))
    check(len(rows) == len(doc["ops"]), "%d rows, %d ops" % (len(rows), len(doc["ops"])))
    pairs = [("calls", ("calls",)), ("errors", ("errors",)), ("bytes", ("bytes",)),
             ("rate_per_s", ("rate",)), ("error_rate", ("error_rate",)),
             ("min_ns", ("latency_ns", "min")), ("mean_ns", ("latency_ns", "mean")),
             ("p50_ns", ("latency_ns", "p50")), ("p90_ns", ("latency_ns", "p90")),
             ("p95_ns", ("latency_ns", "p95")), ("p99_ns", ("latency_ns", "p99")),
             ("p99_9_ns", ("latency_ns", "p99_9")), ("max_ns", ("latency_ns", "max")),
             ("self_mean_ns", ("latency_ns", "self_mean")),
             ("split_calls", ("time_split", "all", "calls")),
             ("oncpu_share", ("time_split", "all", "oncpu_share")),
             ("offcpu_mean_ns", ("time_split", "all", "offcpu_mean_ns")),
             ("tail_threshold_ns", ("time_split", "tail_threshold_ns")),
             ("tail_offcpu_share", ("time_split", "tail", "offcpu_share")),
             ("voluntary_switches_per_call", ("per_call", "voluntary_switches"))]
    for row, o in zip(rows, doc["ops"]):
        check((row["pid"], row["op"]) == (str(o["pid"]), o["name"]),
              "row order: %s/%s vs %s/%s" % (row["pid"], row["op"], o["pid"], o["name"]))
        for col, path in pairs:
            v = o
            for k in path:
                v = v.get(k) if isinstance(v, dict) else None
            got = _exp_num(row[col])
            if v is None:
                check(got is None, "%s %s: CSV %r where json has null" % (o["name"], col, row[col]))
                continue
            check(got is not None and abs(got - v) <= 1e-12 * max(1.0, abs(v)),
                  "%s %s: CSV %r, json %r" % (o["name"], col, row[col], v))


def _exp_promtool(text):
    path = out_file()
    with open(path, "w") as f:
        f.write(text)
    if not os.access(EXP_PROMTOOL, os.X_OK):
        raise Skip("promtool not installed")
    with open(path) as f:
        p = subprocess.run([EXP_PROMTOOL, "check", "metrics"], stdin=f, capture_output=True,
                           text=True, timeout=TIMEOUT)
    check(p.returncode == 0 and not (p.stdout + p.stderr).strip(),
          "promtool check metrics: exit %d: %s" % (p.returncode, (p.stdout + p.stderr).strip()))


def _exp_prom_labels(body):
    """'a="x",b="y\\"z"' -> {"a": "x", "b": 'y"z'} (escapes: \\\\, \\", \\n)."""
    labels, i = {}, 0
    while i < len(body):
        eq = body.index("=", i)
        key, i, val = body[i:eq], eq + 2, []
        while body[i] != '"':
            if body[i] == "\\":
                val.append({"n": "\n"}.get(body[i + 1], body[i + 1]))
                i += 2
            else:
                val.append(body[i])
                i += 1
        labels[key] = "".join(val)
        i += 2 if body[i + 1:i + 2] == "," else 1
    return labels


def _exp_prom_samples(text):
    """{(name, frozenset(labels)): value} of the exposition text."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if "{" in line:
            name, _, rest = line.partition("{")
            body, _, value = rest.rpartition("} ")
            labels = _exp_prom_labels(body)
        else:
            (name, value), labels = line.split(" "), {}
        out[(name, frozenset(labels.items()))] = float(value)
    return out


def _exp_prom_get(samples, name, **labels):
    found = [v for (n, ls), v in samples.items()
             if n == name and all((k, str(v_)) in ls for k, v_ in labels.items())]
    check(found, "no sample %s%s" % (name, labels))
    return found


@bpf
def test_export_prom_promtool():
    probes = [probe("op_err", ",error=ret<0,category=db"), probe("op_fast", ",name=" + EXP_ODD_NAME)]
    _, target, r = trace(probes, [WORKLOAD, "errors", 3000], fmt="prom")
    text = _exp_raw(r)
    _exp_promtool(text)
    s = _exp_prom_samples(text)
    check(_exp_prom_get(s, "optrace_op_calls_total", op="op_err") == [3000], "op_err calls")
    check(_exp_prom_get(s, "optrace_op_errors_total", op="op_err") == [2000], "op_err errors")
    check(_exp_prom_get(s, "optrace_op_errors_by_type_total", op="op_err", error="ENOENT")
          == [target["enoent"]], "ENOENT count")
    check(not [k for k in s if k[0] == "optrace_op_errors_total" and ("op", "op_fast") in k[1]],
          "errors_total for an op without an error= rule (a made-up 0)")
    # The histogram: cumulative, ending in +Inf == _count == calls; _sum in seconds.
    buckets = sorted((float(dict(ls)["le"]), v) for (n, ls), v in s.items()
                     if n == "optrace_op_latency_seconds_bucket" and ("op", "op_err") in ls)
    counts = [v for _, v in buckets]
    check(len(buckets) == 26 and buckets[-1][0] == float("inf"), "le set: %s"
          % [b for b, _ in buckets])
    check(counts == sorted(counts) and counts[-1] == 3000, "buckets not cumulative to 3000: %s"
          % counts)
    check(_exp_prom_get(s, "optrace_op_latency_seconds_count", op="op_err") == [3000], "_count")
    total = _exp_prom_get(s, "optrace_op_latency_seconds_sum", op="op_err")[0]
    check(0 < total < 10, "_sum %s is not in seconds" % total)
    # Every loss field, and the process's resources from /proc.
    kinds = {dict(ls)["kind"] for (n, ls) in s if n == "optrace_lost_events_total"}
    doc_loss = {"spans_lost", "proc_lost", "stack_overflow", "stack_mismatch", "threads_full",
                "tgids_full", "bio_lost", "bio_stale", "bio_mapfull", "split_bad",
                "split_unseen", "ctr_unseen", "bad_records"}  # every loss field but produced
    check(kinds == doc_loss, "loss kinds: %s, want %s" % (sorted(kinds), sorted(doc_loss)))
    _exp_prom_get(s, "optrace_process_cpu_seconds_total", mode="user")
    _exp_prom_get(s, "optrace_findings", severity="critical")
    # The demo: time split, run-queue histogram; still clean for promtool.
    _, _, r = trace(EXP_DEMO_PROBES, [WORKLOAD, "demo", 2], fmt="prom")
    text = _exp_raw(r)
    _exp_promtool(text)
    s = _exp_prom_samples(text)
    parts = {dict(ls)["part"]: v for (n, ls), v in s.items()
             if n == "optrace_op_time_seconds_total" and ("op", "db_query") in ls}
    check(set(parts) == {"oncpu", "runq", "iowait", "offcpu"}, "time split parts: %s" % parts)
    check(parts["offcpu"] > parts["oncpu"], "db_query sleeps, yet %s" % parts)
    _exp_prom_get(s, "optrace_process_runq_latency_seconds_count")


def _exp_pil_python():
    """An interpreter that has PIL (the one running this, or the system's)."""
    for py in (sys.executable, "/usr/bin/python3"):
        if os.access(py, os.X_OK) and run([py, "-c", "import PIL.Image"]).returncode == 0:
            return py
    return None


# Counts the white pixels and, per colour, the pixels within 10 of it per channel.
_exp_PIXELS = r'''
import json, sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
want = {h: tuple(int(h[i:i + 2], 16) for i in (1, 3, 5)) for h in sys.argv[2:]}
counts, white = dict.fromkeys(want, 0), 0
for n, c in im.getcolors(im.size[0] * im.size[1]):
    white += n if c == (255, 255, 255) else 0
    for h, w in want.items():
        if max(abs(a - b) for a, b in zip(c, w)) <= 10:
            counts[h] += n
print(json.dumps({"pixels": im.size[0] * im.size[1], "white": white, "counts": counts}))
'''


def _exp_screenshot(html_path, height):
    if not os.access(EXP_CHROMIUM, os.X_OK):
        raise Skip("chromium-headless-shell not installed")
    py = _exp_pil_python()
    if not py:
        raise Skip("no python with PIL to read the screenshot")
    page, png = html_path + ".html", html_path + ".png"
    shutil.copyfile(html_path, page)  # a browser goes by the extension: .out is plain text
    r = run([EXP_CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--screenshot=" + png,
             "--window-size=1200,%d" % height, "file://" + page])
    check(r.returncode == 0 and os.path.exists(png), "chromium exited %d: %s"
          % (r.returncode, r.stderr.strip()[-300:]))
    p = run([py, "-c", _exp_PIXELS, png, EXP_COL_ONCPU, EXP_COL_OFFCPU, EXP_COL_HIST, EXP_COL_P50, EXP_COL_P99])
    check(p.returncode == 0, "reading the screenshot: %s" % p.stderr.strip())
    return json.loads(p.stdout)


@bpf
def test_export_html_renders_charts():
    probes = EXP_DEMO_PROBES + [probe("op_fast", ",name=" + EXP_ODD_NAME)]
    _, _, r = trace(probes, [WORKLOAD, "demo", 3], fmt="html")
    html = _exp_raw(r)
    low = html.lower()
    # self-contained, escaped
    for bad in ("<script", "src=", "url(", "@import", "http://", "https://"):
        check(bad not in low, "the page has %r" % bad)
    check("href=" not in low.replace('href="#', ""), "a link that is not an anchor")
    check("odd\n&quot;q&quot; &lt;b&gt;&amp;amp;" in html, "op name not escaped")
    check("<b>lost:</b> 0 spans" in html, "no loss line")
    # an SVG histogram (and a time split) for every op with calls; the percentile
    # chart needs the interval series (one point per second: 3 here)
    for name in ("handle_request", "db_query", "parse"):
        at = html.find("<h3>%s" % name)
        check(at >= 0, "no section for op %s" % name)
        art = html[at:html.find("</article>", at)]
        check('aria-label="latency histogram"' in art, "%s: no histogram chart" % name)
        check('aria-label="time split"' in art, "%s: no time split chart" % name)
        check('aria-label="latency percentiles over time"' in art,
              "%s: no percentile-over-time chart (interval series missing?)" % name)
    check('id="processes"' in html and "workload" in html, "no process table")
    # Chromium draws it: not blank, and the chart colours are on screen in
    # amounts no legend swatch reaches (bars and lines).
    px = _exp_screenshot(_exp_out_path(r), 4000)
    check(px["white"] < 0.97 * px["pixels"], "screenshot is blank: %d of %d pixels white"
          % (px["white"], px["pixels"]))
    c = px["counts"]
    for col, what, least in ((EXP_COL_HIST, "histogram bars", 1000), (EXP_COL_ONCPU, "on-CPU bars", 1000),
                             (EXP_COL_OFFCPU, "off-CPU bars", 2000), (EXP_COL_P99, "p99 lines", 400),
                             (EXP_COL_P50, "p50 lines", 400)):
        check(c[col] >= least, "%s (%s): %d pixels, want >= %d" % (what, col, c[col], least))


def _exp_perfetto_events(result):
    with open(_exp_out_path(result)) as f:
        doc = json.load(f)
    check(isinstance(doc, dict) and isinstance(doc.get("traceEvents"), list),
          "not a trace-event JSON object")
    check(doc.get("displayTimeUnit") == "ns", "displayTimeUnit %r" % doc.get("displayTimeUnit"))
    return doc["traceEvents"]


@bpf
def test_export_perfetto_spans():
    _, _, r = trace(EXP_DEMO_PROBES, [WORKLOAD, "demo", 2], ["--spans", "500"], fmt="perfetto")
    ev = _exp_perfetto_events(r)
    meta = [e for e in ev if e.get("ph") == "M"]
    procs = {e["pid"]: e["args"]["name"] for e in meta if e["name"] == "process_name"}
    check(procs and all(n == "workload" for n in procs.values()), "process names: %s" % procs)
    xs = [e for e in ev if e.get("ph") in ("X", "B", "E")]
    check(len(xs) == 500, "%d span events, want the 500 kept (--spans 500)" % len(xs))
    threads = {(e["pid"], e["tid"]) for e in meta if e["name"] == "thread_name"}
    for e in xs:
        check(e["ph"] == "X" and isinstance(e["ts"], (int, float))
              and isinstance(e["dur"], (int, float)), "event %s" % e)
        check((e["pid"], e["tid"]) in threads, "no thread_name for %s/%s" % (e["pid"], e["tid"]))
        a = e["args"]
        check(abs(e["ts"] * 1000 - a["start_ns"]) < 1 and abs(e["dur"] * 1000 - a["dur_ns"]) < 1,
              "ts/dur %s/%s us vs %s/%s ns" % (e["ts"], e["dur"], a["start_ns"], a["dur_ns"]))
        check("ret" in a and "error" in a, "span args without ret/error: %s" % a)
        if e["name"] == "db_query":
            check(a["error"] == (a["ret"] < 0), "db_query error flag %s, ret %s"
                  % (a["error"], a["ret"]))
        if a.get("split"):
            parts = a["oncpu_ns"] + a["runq_ns"] + a["iowait_ns"] + a["offcpu_ns"]
            check(abs(parts - a["dur_ns"]) <= 0.05 * a["dur_ns"] + 1000,
                  "split %d ns of a %d ns span" % (parts, a["dur_ns"]))
    check(sum(1 for e in xs if e["args"].get("split")) >= 0.9 * len(xs), "few spans have a split")
    # nested by time on each thread: a span starting inside another ends inside it
    depth_seen = set()
    for key in {(e["pid"], e["tid"]) for e in xs}:
        stack = []
        for e in sorted((e for e in xs if (e["pid"], e["tid"]) == key),
                        key=lambda e: (e["args"]["start_ns"], -e["args"]["dur_ns"])):
            a = e["args"]
            while stack and a["start_ns"] >= stack[-1][0]:
                stack.pop()
            if stack:
                check(a["start_ns"] + a["dur_ns"] <= stack[-1][0], "span %s overlaps its parent"
                      % e)
                depth_seen.add(len(stack))
            stack.append((a["start_ns"] + a["dur_ns"], e))
    check(depth_seen, "no nested spans (db_query inside handle_request)")
    # counters: the percentiles over time
    check(any(e.get("ph") == "C" for e in ev), "no percentile counter events (interval series?)")
    # no spans kept: still a trace, with a marker saying so
    _, _, r = trace([probe("op_fast")], [WORKLOAD, "count", 1000], ["--spans", "0"],
                    fmt="perfetto")
    ev = _exp_perfetto_events(r)
    check(not [e for e in ev if e.get("ph") == "X"], "spans with --spans 0")
    check([e for e in ev if e.get("ph") == "M" and e["name"] == "process_name"],
          "no process_name metadata")
    check([e for e in ev if e.get("ph") == "i" and "no spans" in e.get("name", "")],
          "no 'no spans kept' marker")
