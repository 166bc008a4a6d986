#!/usr/bin/env python3
"""Integration tests for optrace: load the real BPF programs, trace the
target program tests/targets/workload and compare optrace's figures with
what the target measured itself or knows exactly.

    python3 tests/integration/run.py [-k SUBSTRING]

Needs root and BPF (`make && make targets` first). Without them the tests
that load BPF are skipped, except with CI=true, where they fail: a missing
BPF capability must fail CI. Every subprocess has a hard timeout.
Prints one PASS/FAIL/SKIP line per test and a summary line; exits 1 if
anything failed. Python 3 standard library only.
"""
import argparse
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OPTRACE = os.path.join(ROOT, "optrace")
WORKLOAD = os.path.join(ROOT, "build", "targets", "workload")
TIMEOUT = 60        # seconds, for any subprocess that should end by itself
ATTACH_WAIT = 1.5   # seconds: optrace -p does not say when it is attached

TMP = None          # a tempfile.mkdtemp() directory, removed at the end
BPF_MISSING = None  # why BPF cannot be used, or None
CHILDREN = []       # background processes of the current test


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def near(got, want, rel):
    return abs(got - want) <= rel * want


# ---------------------------------------------------------------- helpers

def run(args, timeout=TIMEOUT, env=None):
    """Runs args to completion; returns CompletedProcess (text stdout/stderr)."""
    try:
        return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, text=True, timeout=timeout,
                              cwd=ROOT, env=env)
    except subprocess.TimeoutExpired:
        raise Fail("timed out after %ss: %s" % (timeout, " ".join(args)))


def spawn(args):
    """Starts args in the background; killed at the end of the test."""
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, cwd=ROOT)
    CHILDREN.append(p)
    return p


def reap_children():
    for p in CHILDREN:
        if p.poll() is None:
            p.kill()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for f in (p.stdout, p.stderr):
            if f:
                f.close()
    CHILDREN.clear()


def read_line(p, prefix, timeout=10):
    """Reads p's stdout until a line starting with prefix; returns the line."""
    deadline = time.monotonic() + timeout
    buf = getattr(p, "_linebuf", b"")
    while True:
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            p._linebuf = buf
            if line.decode().startswith(prefix):
                return line.decode()
        left = deadline - time.monotonic()
        if left <= 0:
            raise Fail("no %r line from %s within %ss" % (prefix, p.args, timeout))
        ready, _, _ = select.select([p.stdout], [], [], left)
        if ready:
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                raise Fail("%s closed stdout before a %r line" % (p.args, prefix))
            buf += chunk


def wait_exit(p, timeout, what):
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Fail("%s did not exit within %ss" % (what, timeout))


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open("/proc/%d/stat" % pid) as f:  # a zombie is not alive
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


def start_target(*args):
    """Starts the workload in a mode that prints `ready pid=N`; returns (proc, pid)."""
    p = spawn([WORKLOAD] + [str(a) for a in args])
    pid = int(read_line(p, "ready pid=").split("=")[1])
    check(pid == p.pid, "target says pid=%d, it is %d" % (pid, p.pid))
    return p, pid


def kv(text):
    """key=value lines -> dict of ints."""
    out = {}
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        if sep and v.strip().lstrip("-").isdigit():
            out[k.strip()] = int(v)
    return out


def parse_docs(text):
    """Concatenated JSON documents -> list."""
    dec, docs, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return docs
        try:
            doc, i = dec.raw_decode(text, i)
        except json.JSONDecodeError as e:
            raise Fail("bad JSON report: %s" % e)
        docs.append(doc)


_outputs = 0


def out_file():
    global _outputs
    _outputs += 1
    return os.path.join(TMP, "report%d.out" % _outputs)


def optrace_args(probes, pids=None, cmd=None, extra=(), fmt="json", output=None):
    args = [OPTRACE, "trace", "-o", output, "-f", fmt]
    if pids:
        args += ["-p", ",".join(str(p) for p in pids)]
    for u in probes:
        args += ["-u", u]
    args += list(extra)
    if cmd:
        args += ["--"] + [str(c) for c in cmd]
    return args


def read_report(path, fmt):
    check(os.path.exists(path), "no report file written")
    with open(path) as f:
        text = f.read()
    if fmt != "json":
        return text
    docs = parse_docs(text)
    check(docs, "empty report file")
    for d in docs:
        check(d.get("schema") == "optrace.report", "not an optrace report: %.80s" % d)
    return docs


def trace(probes, cmd, extra=(), fmt="json", want_rc=0, timeout=TIMEOUT):
    """optrace trace ... -- cmd; returns (docs or text, target's key=values, proc)."""
    out = out_file()
    r = run(optrace_args(probes, cmd=cmd, extra=extra, fmt=fmt, output=out), timeout)
    if want_rc is not None:
        check(r.returncode == want_rc, "optrace exited %d, want %d; stderr: %s"
              % (r.returncode, want_rc, r.stderr.strip()))
    return read_report(out, fmt), kv(r.stdout), r


def trace_live(pids, probes, extra=()):
    """Starts optrace -p in the background; returns (proc, output path)."""
    out = out_file()
    p = spawn(optrace_args(probes, pids=pids, extra=extra, output=out))
    time.sleep(ATTACH_WAIT)
    check(p.poll() is None, "optrace exited early (%s): %s"
          % (p.returncode, p.stderr.read().decode().strip()))
    return p, out


def final(docs):
    d = docs[-1]
    check(d["meta"]["kind"] == "final", "last report is %r, not final" % d["meta"]["kind"])
    return d


def ops(doc, name):
    found = [o for o in doc["ops"] if o["name"] == name]
    check(found, "no op %r in report (ops: %s)" % (name, [o["name"] for o in doc["ops"]]))
    return found


def op(doc, name):
    found = ops(doc, name)
    check(len(found) == 1, "op %r reported for %d pids, want 1" % (name, len(found)))
    return found[0]


def calls(doc, name):
    return sum(o["calls"] for o in ops(doc, name))


def no_loss(doc):
    loss = doc["loss"]
    check(loss["spans_lost"] == 0, "spans lost: %s" % loss)


def probe(func, opts=""):
    return "%s:%s%s" % (WORKLOAD, func, opts)


# ---------------------------------------------------------------- tests
# Each test_* runs in file order; @bpf marks the ones that load BPF.

def bpf(fn):
    fn.needs_bpf = True
    return fn


@bpf
def test_exact_count_command():
    docs, target, _ = trace([probe("op_fast")], [WORKLOAD, "count", 100000])
    doc = final(docs)
    o = op(doc, "op_fast")
    check(o["calls"] == 100000, "op_fast calls %d, want 100000" % o["calls"])
    check(target["calls"] == 100000, "target says calls=%s" % target.get("calls"))
    no_loss(doc)
    check(len(doc["pids"]) == 1 and doc["pids"][0]["pid"] == o["pid"],
          "pids %s do not match op pid %d" % (doc["pids"], o["pid"]))
    # The command's pid: sh prints its own pid, then execs the workload.
    docs, target, _ = trace([probe("op_fast")], ["sh", "-c", "echo pid=$$; exec %s count 1000"
                                                 % WORKLOAD])
    o = op(final(docs), "op_fast")
    check(o["pid"] == target["pid"], "op pid %d, command pid %d" % (o["pid"], target["pid"]))
    check(o["calls"] == 1000, "op_fast calls %d, want 1000 (exec'd command)" % o["calls"])


@bpf
def test_exact_count_live_pid():
    tp, pid = start_target("burst", 50000)
    p, out = trace_live([pid], [probe("op_fast")])
    for _ in range(2):
        tp.send_signal(signal.SIGUSR1)
        check(read_line(tp, "burst=") == "burst=50000", "target burst line")
    p.send_signal(signal.SIGINT)
    rc = wait_exit(p, 10, "optrace after SIGINT")
    check(rc == 0, "optrace exited %d after SIGINT: %s" % (rc, p.stderr.read().decode()))
    doc = final(read_report(out, "json"))
    o = op(doc, "op_fast")
    check(o["pid"] == pid, "op pid %d, target pid %d" % (o["pid"], pid))
    check(o["calls"] == 100000, "op_fast calls %d, want 100000" % o["calls"])
    no_loss(doc)


@bpf
def test_sleep_p50_matches_target():
    docs, target, _ = trace([probe("op_sleep")], [WORKLOAD, "sleep", 200, 2])
    o = op(final(docs), "op_sleep")
    want = target["self_p50_ns"]
    got = o["latency_ns"]["p50"]
    check(o["calls"] == 200, "op_sleep calls %d, want 200" % o["calls"])
    check(near(got, want, 0.05), "p50 %d ns, target measured %d ns (> 5%% apart)" % (got, want))
    lat = o["latency_ns"]
    check(lat["min"] <= lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"],
          "percentiles not ordered: %s" % lat)
    check(lat["min"] >= 2000000, "min %d ns < the 2 ms sleep" % lat["min"])


@bpf
def test_nested_and_recursive():
    docs, target, _ = trace([probe(f) for f in ("op_outer", "op_inner", "op_recurse")],
                            [WORKLOAD, "nest", 5000])
    doc = final(docs)
    outer, inner, rec = (op(doc, n) for n in ("op_outer", "op_inner", "op_recurse"))
    for o, want in ((outer, 5000), (inner, 10000), (rec, 30000)):
        check(o["calls"] == want, "%s calls %d, want %d" % (o["name"], o["calls"], want))
    check((target["outer"], target["inner"], target["recurse"]) == (5000, 10000, 30000),
          "target counts %s" % target)
    lo = outer["latency_ns"]
    check(lo["self_mean"] < 0.2 * lo["mean"], "op_outer self_mean %.0f not < 20%% of mean %.0f"
          % (lo["self_mean"], lo["mean"]))
    ratio = lo["p50"] / inner["latency_ns"]["p50"]
    check(ratio >= 1.8, "op_outer p50 / op_inner p50 = %.2f, want >= 1.8" % ratio)
    no_loss(doc)
    check(doc["loss"]["stack_mismatch"] == 0 and doc["loss"]["stack_overflow"] == 0,
          "stack errors: %s" % doc["loss"])


@bpf
def test_threads_one_pid():
    docs, target, _ = trace([probe("op_fast")], [WORKLOAD, "threads", 4, 20000])
    doc = final(docs)
    o = op(doc, "op_fast")
    check(o["calls"] == 80000 == target["calls"], "op_fast calls %d, want 80000" % o["calls"])
    check(len(doc["pids"]) == 1, "threads reported as %d pids" % len(doc["pids"]))
    no_loss(doc)


@bpf
def test_errors_by_errno():
    docs, target, _ = trace([probe("op_err", ",error=ret<0")], [WORKLOAD, "errors", 3000])
    o = op(final(docs), "op_err")
    check(o["calls"] == 3000, "op_err calls %d, want 3000" % o["calls"])
    check(o["errors"] == 2000, "errors %d, want 2000" % o["errors"])
    by = {e["name"]: e for e in o["errors_by_code"]}
    for name, code in (("ENOENT", -2), ("EAGAIN", -11)):
        want = target[name.lower()]
        check(name in by, "no %s in errors_by_code %s" % (name, o["errors_by_code"]))
        check(by[name]["count"] == want, "%s count %d, want %d" % (name, by[name]["count"], want))
        check(abs(by[name]["code"]) == -code, "%s code %s" % (name, by[name]["code"]))
    check(len(by) == 2, "unexpected error codes: %s" % o["errors_by_code"])
    check(near(o["error_rate"], 2 / 3, 0.01), "error_rate %s, want 0.667" % o["error_rate"])
    docs, _, _ = trace([probe("op_err")], [WORKLOAD, "errors", 3000])
    o = op(final(docs), "op_err")
    check(o["errors"] == 0 and not o["errors_by_code"],
          "without error= got errors %d %s" % (o["errors"], o["errors_by_code"]))


@bpf
def test_bytes_ret_and_arg():
    want = sum(i % 100 for i in range(1000))
    for opt in ("bytes=ret", "bytes=arg2"):
        docs, _, _ = trace([probe("op_bytes", "," + opt)], [WORKLOAD, "bytes", 1000])
        o = op(final(docs), "op_bytes")
        check(o["calls"] == 1000, "%s: calls %d" % (opt, o["calls"]))
        check(o["bytes"] == want, "%s: bytes %d, want %d" % (opt, o["bytes"], want))


@bpf
def test_target_killed_midrun():
    tp, pid = start_target("loop", 0, 1)
    p, out = trace_live([pid], [probe("op_sleep")])
    tp.kill()
    wait_exit(tp, 5, "target after SIGKILL")
    t0 = time.monotonic()
    rc = wait_exit(p, 5, "optrace after its only target was killed")
    check(rc == 0, "optrace exited %d: %s" % (rc, p.stderr.read().decode().strip()))
    doc = final(read_report(out, "json"))
    check(calls(doc, "op_sleep") > 100, "op_sleep calls %d, want > 100"
          % calls(doc, "op_sleep"))
    pids = {e["pid"]: e for e in doc["pids"]}
    check(pid in pids, "target pid %d not in pids %s" % (pid, doc["pids"]))
    check(pids[pid]["exited"] is True, "killed -p target not marked exited: %s (after %.1fs)"
          % (pids[pid], time.monotonic() - t0))


def _stop_with(sig):
    tp, pid = start_target("loop", 0, 1)
    p, out = trace_live([pid], [probe("op_sleep")])
    p.send_signal(sig)
    rc = wait_exit(p, 10, "optrace after %s" % sig.name)
    check(rc == 0, "optrace exited %d after %s: %s"
          % (rc, sig.name, p.stderr.read().decode().strip()))
    doc = final(read_report(out, "json"))
    check(calls(doc, "op_sleep") > 0, "no op_sleep calls after %s" % sig.name)
    no_loss(doc)
    check(alive(pid), "target died when optrace got %s" % sig.name)
    tp.send_signal(signal.SIGTERM)
    wait_exit(tp, 5, "target")


@bpf
def test_stop_on_sigint():
    _stop_with(signal.SIGINT)


@bpf
def test_stop_on_sigterm():
    _stop_with(signal.SIGTERM)


@bpf
def test_stop_on_sighup():
    _stop_with(signal.SIGHUP)


@bpf
def test_exit_status_passthrough():
    _, _, r = trace([probe("op_fast")], [WORKLOAD, "exit", 7], want_rc=7)
    out = out_file()
    r = run(optrace_args([probe("op_fast")], cmd=["/nonexistent/cmd"], output=out))
    check(r.returncode == 127, "missing command: exit %d, want 127" % r.returncode)
    check("/nonexistent/cmd" in r.stderr, "no message naming the command: %r" % r.stderr)


def usage_error(args, *words):
    """optrace ARGS must exit 2 with one line on stderr containing words."""
    r = run([OPTRACE] + [str(a) for a in args], timeout=30)
    what = "optrace %s" % " ".join(str(a) for a in args)
    check(r.returncode == 2, "%s: exit %d, want 2; stderr %r" % (what, r.returncode, r.stderr))
    lines = r.stderr.strip().splitlines()
    check(len(lines) == 1 and lines[0].startswith("optrace: "),
          "%s: want one 'optrace: ' line on stderr, got %r" % (what, r.stderr))
    for w in words:
        check(w in lines[0], "%s: %r not in %r" % (what, w, lines[0]))


def gone_pid():
    """The pid of a process that has exited (and been reaped)."""
    p = subprocess.Popen(["true"], stdin=subprocess.DEVNULL)
    p.wait(timeout=10)
    check(not os.path.exists("/proc/%d" % p.pid), "pid %d reused already" % p.pid)
    return p.pid


@bpf
def test_input_errors_need_target():
    pid = gone_pid()
    usage_error(["trace", "-p", pid, "-u", probe("op_fast")], "no such process")
    tp, live = start_target("loop", 0, 1)
    usage_error(["trace", "-p", live, "-u", probe("no_such_func")], "not found",
                "no_such_func", "optrace list")
    usage_error(["trace", "-u", probe("no_such_func"), "--", WORKLOAD, "count", 1],
                "not found", "optrace list")
    usage_error(["trace", "-u", "/nonexistent/bin:main", "--", WORKLOAD, "count", 1],
                "not found")
    usage_error(["trace", "-p", live, "-u", "/nonexistent/bin:main"], "not found")
    check(alive(live), "target died")


def test_input_errors_usage():
    u = probe("op_fast")
    cmd = ["--", WORKLOAD, "count", 1]
    for spec in ("workload", WORKLOAD, "x:", ":op_fast", "a:b,bogus=1", "a:b,error=maybe",
                 u + ",bytes=arg9", u + ",bytes=", u + ",name="):
        usage_error(["trace", "-u", spec] + cmd)
    for dur in ("abc", "-1", "10parsecs", ""):
        usage_error(["trace", "-u", u, "-d", dur] + cmd)
    usage_error(["trace", "-u", u, "-i", "abc"] + cmd)
    usage_error(["trace", "-u", u, "-f", "xml"] + cmd)
    usage_error(["trace", "-u", u])
    usage_error(["trace", "-p", "abc", "-u", u])
    usage_error(["trace", "--bogus-option", "-u", u] + cmd)
    usage_error(["trace"] + cmd)
    usage_error(["frobnicate"])


def test_help():
    for args in (["--help"], ["trace", "--help"], ["list", "--help"]):
        r = run([OPTRACE] + args, timeout=10)
        check(r.returncode == 0, "optrace %s: exit %d" % (" ".join(args), r.returncode))
        check("Examples" in r.stdout, "optrace %s: no Examples" % " ".join(args))


@bpf
def test_glob_probe():
    docs, _, _ = trace([probe("op_*")], [WORKLOAD, "nest", 100])
    doc = final(docs)
    want = {"op_outer": 100, "op_inner": 200, "op_recurse": 600, "op_fast": 0}
    for name, n in want.items():
        check(calls(doc, name) == n, "%s calls %d, want %d" % (name, calls(doc, name), n))
    names = {o["name"] for o in doc["ops"]}
    check({"op_sleep", "op_err", "op_bytes"} <= names, "glob missed ops: %s" % sorted(names))
    check(doc["meta"]["nr_probes"] == len(names), "nr_probes %d, %d ops"
          % (doc["meta"]["nr_probes"], len(names)))


@bpf
def test_interval_reports():
    docs, target, _ = trace([probe("op_sleep")], [WORKLOAD, "loop", 3, 1], extra=["-i", "1s"])
    kinds = [d["meta"]["kind"] for d in docs]
    check(kinds.count("interval") >= 2, "interval reports: %s" % kinds)
    check(kinds[-1] == "final" and kinds.count("final") == 1, "report kinds %s" % kinds)
    doc = docs[-1]
    total = calls(doc, "op_sleep")
    check(total == target["calls"], "final calls %d, target says %d" % (total, target["calls"]))
    in_intervals = sum(calls(d, "op_sleep") for d in docs[:-1])
    check(0 < in_intervals <= total, "interval calls sum %d, final %d" % (in_intervals, total))
    for d in docs[:-1]:
        check(near(d["meta"]["window_s"], 1.0, 0.25), "interval window %s" % d["meta"])


@bpf
def test_follow_fork():
    docs, target, _ = trace([probe("op_fast")], [WORKLOAD, "fork", 4, 5000])
    doc = final(docs)
    found = ops(doc, "op_fast")
    per_pid = {o["pid"]: o["calls"] for o in found if o["calls"]}
    check(len(per_pid) == 4, "op_fast seen in %d pids, want 4: %s" % (len(per_pid), per_pid))
    check(all(n == 5000 for n in per_pid.values()), "calls per child %s" % per_pid)
    no_loss(doc)


@bpf
def test_text_report():
    text, _, _ = trace([probe("op_sleep")], [WORKLOAD, "sleep", 50, 1], fmt="text")
    lost = [line for line in text.splitlines() if line.startswith("lost:")]
    check(lost and lost[0].startswith("lost: 0"), "no 'lost: 0' line in:\n" + text)
    for word in ("p99", "op_sleep", "|@"):
        check(word in text, "%r not in text report:\n%s" % (word, text))


@bpf
def test_compensate():
    def p50(extra):
        docs, _, _ = trace([probe("op_fast")], [WORKLOAD, "count", 20000], extra=extra)
        d = final(docs)
        return op(d, "op_fast")["latency_ns"]["p50"], d["meta"]

    raw, meta = p50([])
    comp, cmeta = p50(["--compensate"])
    check(meta["compensated"] is False, "compensated without --compensate: %s" % meta)
    bias = cmeta["bias_ns"]
    if not bias:
        raise Skip("no calibrated bias (bias_ns %r)" % bias)
    check(cmeta["compensated"] is True, "--compensate: meta %s" % cmeta)
    tol = max(0.3 * bias, 200)
    check(abs((raw - comp) - bias) <= tol, "p50 %d -> %d with --compensate, bias %d ns"
          % (raw, comp, bias))


@bpf
def test_libc_real_program():
    py = shutil.which("python3") or sys.executable
    docs, _, _ = trace(["libc:getpid"],
                       [py, "-c", "import os; [os.getpid() for _ in range(5000)]"])
    n = calls(final(docs), "getpid")
    check(n >= 5000, "getpid calls %d, want >= 5000" % n)


@bpf
def test_libc_ifunc():
    docs, _, _ = trace(["libc:strlen"], ["bash", "-c", "for i in $(seq 200); do x=abc; "
                                         "echo ${#x} >/dev/null; done"])
    found = ops(final(docs), "strlen")
    check(all(o["ifunc"] is True for o in found), "strlen not marked ifunc: %s"
          % [(o["func"], o["ifunc"]) for o in found])
    check(sum(o["calls"] for o in found) > 0, "no strlen calls")


def test_list():
    r = run([OPTRACE, "list", WORKLOAD, "op_*"], timeout=30)
    check(r.returncode == 0, "list workload: exit %d %s" % (r.returncode, r.stderr))
    for name in ("op_fast", "op_sleep", "op_outer"):
        check(name in r.stdout, "%s not listed:\n%s" % (name, r.stdout))
    check("main" not in r.stdout.split(), "glob not applied:\n%s" % r.stdout)
    r = run([OPTRACE, "list", "libc", "strlen"], timeout=30)
    check(r.returncode == 0 and "strlen" in r.stdout, "list libc strlen: exit %d %s%s"
          % (r.returncode, r.stdout, r.stderr))
    r = run([OPTRACE, "list", "999999999"], timeout=30)
    check(r.returncode == 2, "list 999999999: exit %d, want 2" % r.returncode)


# ---------------------------------------------------------------- runner

def capability():
    """Returns why BPF tests cannot run, or None."""
    if os.geteuid() != 0:
        return "not root"
    for f in (OPTRACE, WORKLOAD):
        if not os.access(f, os.X_OK):
            return "%s not built (make && make targets)" % os.path.relpath(f, ROOT)
    r = subprocess.run([OPTRACE, "trace", "-u", WORKLOAD + ":op_fast", "--", WORKLOAD,
                        "count", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, text=True, timeout=TIMEOUT, cwd=ROOT)
    if r.returncode == 3:
        return "BPF unavailable: " + (r.stderr.strip().splitlines() or ["exit 3"])[0]
    return None


def run_one(fn):
    name = fn.__name__
    if getattr(fn, "needs_bpf", False) and BPF_MISSING:
        if os.environ.get("CI") == "true":
            return "FAIL", "%s: %s (CI=true)" % (name, BPF_MISSING)
        return "SKIP", "%s: %s" % (name, BPF_MISSING)
    t0 = time.monotonic()
    try:
        fn()
        status, msg = "PASS", "%s (%.1fs)" % (name, time.monotonic() - t0)
    except Skip as e:
        status, msg = "SKIP", "%s: %s" % (name, e)
    except Fail as e:
        status, msg = "FAIL", "%s: %s" % (name, e)
    except Exception as e:  # a bug in the test or an unexpected report shape
        status, msg = "FAIL", "%s: %s: %s" % (name, type(e).__name__, e)
    finally:
        reap_children()
    return status, msg


def main():
    global TMP, BPF_MISSING
    ap = argparse.ArgumentParser(description="optrace integration tests")
    ap.add_argument("-k", metavar="SUBSTRING", help="only tests whose name contains this")
    opts = ap.parse_args()
    tests = [f for n, f in globals().items() if n.startswith("test_") and callable(f)]
    if opts.k:
        tests = [f for f in tests if opts.k in f.__name__]
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    TMP = tempfile.mkdtemp(prefix="optrace-it-")
    try:
        if any(getattr(f, "needs_bpf", False) for f in tests):
            try:
                BPF_MISSING = capability()
            except subprocess.TimeoutExpired:
                BPF_MISSING = "capability check timed out"
        for fn in tests:
            status, msg = run_one(fn)
            counts[status] += 1
            print("%s %s" % (status, msg), flush=True)
    finally:
        reap_children()
        shutil.rmtree(TMP, ignore_errors=True)
    print("integration: %d passed, %d failed, %d skipped"
          % (counts["PASS"], counts["FAIL"], counts["SKIP"]))
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
