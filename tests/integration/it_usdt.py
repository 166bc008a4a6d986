# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# it_usdt.py - USDT probes and include/optrace.h markers (begin/end pairs,
# categories, failures, bytes, counted events), a real program's USDT
# probes (python3.11), C++ demangling and globs, counting probes, the Go
# refusal, sampling (--sample) and --cgroup scoping.
# exec'd inside run.py's namespace: run, trace, check, bpf, TMP, ROOT...
import shutil

_USDT_APP = os.path.join(ROOT, "build", "targets", "usdt_app")
_CPP_APP = os.path.join(ROOT, "build", "targets", "cpp_app")


def _usdt_op(doc, name):
    return op(doc, name)


@bpf
def test_usdt_marks_pairs_categories_errors_bytes():
    docs, out, _ = trace(["marks:" + _USDT_APP], [_USDT_APP, "20"])
    d = final(docs)
    no_loss(d)
    f = _usdt_op(d, "fetch")
    check(f["category"] == "download", "fetch category %r" % f["category"])
    check(f["calls"] == 20, "fetch calls %d, want 20" % f["calls"])
    check(f["errors"] == 5, "fetch errors %d, want 5" % f["errors"])
    check([e["name"] for e in f["errors_by_code"]] == ["ENOENT"], "errors %s" % f["errors_by_code"])
    check(f["bytes"] == 15 * 4096, "fetch bytes %d, want %d" % (f["bytes"], 15 * 4096))
    check(f["latency_ns"]["p50"] >= 2_000_000, "fetch p50 %d < 2 ms sleep" % f["latency_ns"]["p50"])
    i = _usdt_op(d, "infer")
    check(i["category"] == "model" and i["calls"] == 20, "infer %s" % i)
    # infer nests inside fetch: fetch's self time excludes it
    check(f["latency_ns"]["self_mean"] < f["latency_ns"]["mean"], "no child time in fetch")
    hit, miss = _usdt_op(d, "hit"), _usdt_op(d, "miss")
    check(hit["category"] == "cache" and hit["calls"] == 60, "hit %d calls" % hit["calls"])
    check(miss["calls"] == 20, "miss %d calls" % miss["calls"])


@bpf
def test_usdt_plain_pair_and_lone_probe():
    spec = "usdt:%s:svc:req_start..req_done,bytes=arg2,error=arg1!=0,name=req" % _USDT_APP
    docs, _, _ = trace([spec, "usdt:%s:svc:req_start,name=started" % _USDT_APP],
                       [_USDT_APP, "10", "500"])
    d = final(docs)
    r = _usdt_op(d, "req")
    check(r["calls"] == 10 and r["errors"] == 0, "req %s" % r)
    check(r["bytes"] == sum(100 * i for i in range(10)), "req bytes %d" % r["bytes"])
    check(r["latency_ns"]["p50"] >= 500_000, "req p50 %d" % r["latency_ns"]["p50"])
    check(_usdt_op(d, "started")["calls"] == 10, "lone probe not counted")


def test_usdt_bad_specs():
    for spec, want in [("usdt:%s:svc" % _USDT_APP, "expected usdt:BINARY"),
                       ("usdt:%s:svc:nope" % _USDT_APP, "no USDT probe matches"),
                       ("usdt:%s:svc:req_start..nope" % _USDT_APP, "not found"),
                       ("usdt:%s:svc:req_*..req_done" % _USDT_APP, "no globs"),
                       ("usdt:%s:svc:req_start,error=ret<0" % _USDT_APP, "argN"),
                       ("marks:%s:nothing*" % _WORKLOAD_OR_APP(), "no optrace marker")]:
        r = run([OPTRACE, "trace", "-u", spec, "--", "true"])
        check(r.returncode == 2, "%s: exit %d, want 2" % (spec, r.returncode))
        check(want in r.stderr, "%s: stderr %r lacks %r" % (spec, r.stderr, want))


def _WORKLOAD_OR_APP():
    return WORKLOAD


def test_usdt_list_shows_probes_and_markers():
    r = run([OPTRACE, "list", _USDT_APP])
    check(r.returncode == 0, "list exited %d" % r.returncode)
    check("svc:req_done" in r.stdout and "args: -4@$0 -8@%rbp" in r.stdout or
          "svc:req_done" in r.stdout, "no svc:req_done in list")
    check("(marker: op fetch, category download)" in r.stdout, "marker not described")
    r = run([OPTRACE, "list", "/usr/bin/python3.11", "python:*"])
    if r.returncode == 0:
        check("python:function__entry" in r.stdout, "python's USDT probes not listed")


@bpf
def test_usdt_real_program_python():
    py = "/usr/bin/python3.11"
    if not os.path.exists(py):
        return
    spec = "usdt:%s:python:import__find__load__start..import__find__load__done,name=import" % py
    docs, _, _ = trace([spec], [py, "-c", "import json, decimal, email.parser"])
    imp = _usdt_op(final(docs), "import")
    check(imp["calls"] >= 10, "python imports timed: %d" % imp["calls"])


def test_cpp_list_demangled_and_glob():
    r = run([OPTRACE, "list", _CPP_APP, "store::Cache::*"])
    check(r.returncode == 0, "list exited %d: %s" % (r.returncode, r.stderr))
    check("store::Cache::get(int)" in r.stdout and "store::Cache::put(int, long)" in r.stdout,
          "demangled names missing: %s" % r.stdout)


@bpf
def test_cpp_trace_demangled_glob():
    docs, _, _ = trace(["%s:store::Cache::*" % _CPP_APP], [_CPP_APP, "30"])
    d = final(docs)
    g = _usdt_op(d, "store::Cache::get(int)")
    check(g["calls"] == 30, "get calls %d" % g["calls"])
    check(g["latency_ns"]["p50"] >= 100_000, "get p50 %d" % g["latency_ns"]["p50"])
    check(_usdt_op(d, "store::Cache::put(int, long)")["calls"] == 30, "put calls")


@bpf
def test_count_probe_counts_without_timing():
    docs, out, _ = trace([probe("op_fast", ",count")], [WORKLOAD, "count", "1000"])
    o = _usdt_op(final(docs), "op_fast")
    check(o["calls"] == 1000, "counted %d calls, want 1000" % o["calls"])
    check(o["rate"] > 0, "no rate for a counted op")


def test_go_binary_refused():
    fake = os.path.join(TMP, "fake_go")
    shutil.copy(_CPP_APP, fake)
    blob = os.path.join(TMP, "buildinfo")
    with open(blob, "wb") as f:
        f.write(b"\xff Go buildinf:")
    r = run(["objcopy", "--add-section", ".go.buildinfo=" + blob, fake])
    if r.returncode:
        return
    r = run([OPTRACE, "trace", "-u", fake + ":main", "--", fake])
    check(r.returncode == 2 and "Go program" in r.stderr, "Go refusal: %d %r" % (r.returncode, r.stderr))


def _usdt_cgroup2_root():
    """A mounted cgroup v2 hierarchy (/sys/fs/cgroup, or .../unified on a
    hybrid v1/v2 machine like this one), or None."""
    with open("/proc/mounts") as f:
        for line in f:
            dev, where, fstype = line.split()[:3]
            if fstype == "cgroup2":
                return where
    return None


@bpf
def test_sample_scaled_counts_match():
    n, every = 20000, 10
    docs, out, _ = trace([probe("op_fast")], [WORKLOAD, "count", str(n)],
                         extra=["--sample", str(every)])
    o = _usdt_op(final(docs), "op_fast")
    # one thread, one op: a countdown records exactly 1 call in `every`, so
    # the scaled count is off by less than `every`.
    check(abs(o["calls"] - n) < every, "sampled calls %d, true %d (N=%d)" % (o["calls"], n, every))


@bpf
def test_cgroup_scopes_tracing():
    root = _usdt_cgroup2_root()
    if not root:
        raise Skip("no cgroup v2 hierarchy mounted")
    inside = os.path.join(root, "optrace-it-%d" % os.getpid())
    os.mkdir(inside)
    try:
        # the command runs inside the cgroup: all its calls recorded
        cmd = ["sh", "-c", 'echo $$ > %s/cgroup.procs && exec "$@"' % inside, "sh",
               WORKLOAD, "count", "300"]
        docs, _, _ = trace([probe("op_fast")], cmd, extra=["--cgroup", inside])
        check(calls(final(docs), "op_fast") == 300, "calls inside the cgroup not all recorded")
        # outside it (the root cgroup): none
        docs, _, _ = trace([probe("op_fast")], [WORKLOAD, "count", "300"],
                           extra=["--cgroup", inside])
        got = [o for o in final(docs)["ops"] if o["name"] == "op_fast"]
        check(not got or got[0]["calls"] == 0, "calls outside the cgroup recorded: %s" % got)
    finally:
        os.rmdir(inside)


@bpf
def test_cgroup_alone_traces_its_processes():
    # --cgroup without -p or a command: the processes in the cgroup, those
    # that enter it later too; a process outside is not recorded.
    root = _usdt_cgroup2_root()
    if not root:
        raise Skip("no cgroup v2 hierarchy mounted")
    inside = os.path.join(root, "optrace-it-alone-%d" % os.getpid())
    os.mkdir(inside)
    try:
        enter = 'echo $$ > %s/cgroup.procs && exec "$@"' % inside
        first = spawn(["sh", "-c", enter, "sh", WORKLOAD, "loop"])
        pid1 = int(read_line(first, "ready pid=").split("=")[1])
        outside = spawn([WORKLOAD, "loop"])
        pid_out = int(read_line(outside, "ready pid=").split("=")[1])
        out = out_file()
        p = spawn([OPTRACE, "trace", "-f", "json", "-o", out, "-d", "3",
                   "--cgroup", inside, "-u", "%s:op_sleep" % WORKLOAD])
        read_line(p, "Tracing ", 10, "stderr")
        late = spawn(["sh", "-c", enter, "sh", WORKLOAD, "loop"])  # enters after the start
        pid2 = int(read_line(late, "ready pid=").split("=")[1])
        wait_exit(p, 20, "optrace")
        check(p.returncode == 0, "optrace exited %s: %s" % (p.returncode, stderr_of(p)))
        by_pid = {o["pid"]: o["calls"] for o in final(read_report(out))["ops"]
                  if o["name"] == "op_sleep"}
        check(by_pid.get(pid1, 0) > 100, "the process in the cgroup: %s" % by_pid)
        check(by_pid.get(pid2, 0) > 10, "the process that entered later: %s" % by_pid)
        check(pid_out not in by_pid or by_pid[pid_out] == 0,
              "a process outside the cgroup was recorded: %s" % by_pid)
    finally:
        reap_children()
        for _ in range(50):
            try:
                os.rmdir(inside)
                break
            except OSError:
                time.sleep(0.05)
