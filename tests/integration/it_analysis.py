# Integration tests of the analysis (issue 4): findings, alerts and the
# config file.  Exec'd by run.py in its own namespace: trace(), op(),
# final(), probe(), run(), usage_error(), check(), WORKLOAD, ODIRECT, TMP...
#
# The target programs (tests/targets/workload.c, odirect.c) each have one
# known bottleneck; the analysis must name it as the op's top finding:
#   spin     op_spin burns CPU                      -> cpu_bound_op
#   sleep    op_sleep sleeps                        -> blocked_op
#   odirect  do_read waits for O_DIRECT block reads -> io_bound_op
#   contend  3 threads spin on 1 CPU                -> cpu_saturation (run queue)

SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}
FINDING_KEYS = {"rule", "severity", "subject_kind", "pid", "op", "device", "subject", "summary",
                "recommendation", "evidence", "impact"}
ALERT_KEYS = {"name", "severity", "subject_kind", "pid", "op", "subject", "metric", "cmp",
              "value", "threshold", "for_s", "t_s", "unix_ns"}


def check_findings_shape(doc):
    """Every finding has the documented fields; the list is in severity, then impact order."""
    fs = doc.get("findings")
    check(isinstance(fs, list), "report has no findings list: %s" % sorted(doc))
    for f in fs:
        check(FINDING_KEYS <= set(f), "finding lacks %s: %s" % (FINDING_KEYS - set(f), f))
        check(f["severity"] in SEVERITY_RANK, "severity %r" % f["severity"])
        check(f["subject_kind"] in ("system", "pid", "op", "device"),
              "subject_kind %r" % f["subject_kind"])
        check(f["summary"] and f["recommendation"] and f["subject"],
              "empty summary, recommendation or subject: %s" % f)
        check(f["evidence"] and all({"name", "value", "unit"} <= set(e) for e in f["evidence"]),
              "evidence: %s" % f["evidence"])
        if f["subject_kind"] == "op":
            check(f["op"] and f["pid"] > 0, "op finding without op or pid: %s" % f)
    for a, b in zip(fs, fs[1:]):
        ra, rb = SEVERITY_RANK[a["severity"]], SEVERITY_RANK[b["severity"]]
        check(ra > rb or (ra == rb and a["impact"] >= b["impact"]),
              "findings out of order: %s (%s, %.3g) before %s (%s, %.3g)"
              % (a["rule"], a["severity"], a["impact"], b["rule"], b["severity"], b["impact"]))
    return fs


def op_findings(doc, name):
    return [f for f in check_findings_shape(doc) if f["subject_kind"] == "op" and f["op"] == name]


# The rules that say where an op's time goes.  Others may rank above them
# on a loaded machine (tail_amplification when the run queue stretches a
# few calls, tracer_cost on short calls) without contradicting them.
WHERE_RULES = ("cpu_bound_op", "cpu_saturation", "io_bound_op", "blocked_op")


def top_finding(doc, name, want_rule):
    fs = op_findings(doc, name)
    if want_rule in WHERE_RULES:
        fs = [f for f in fs if f["rule"] in WHERE_RULES]
    check(fs, "no finding for op %s; findings: %s" % (name, [(f["rule"], f["subject"])
                                                          for f in doc["findings"]]))
    check(fs[0]["rule"] == want_rule, "top finding for %s is %s (%s), want %s; all: %s"
          % (name, fs[0]["rule"], fs[0]["summary"], want_rule, [f["rule"] for f in fs]))
    check(fs[0]["pid"] == op(doc, name)["pid"], "finding pid %d, op pid %d"
          % (fs[0]["pid"], op(doc, name)["pid"]))
    return fs[0]


def evidence(f, name):
    ev = {e["name"]: e for e in f["evidence"]}
    check(name in ev, "%s: no evidence %s in %s" % (f["rule"], name, sorted(ev)))
    return ev[name]["value"]


def write_config(text, mode=0o600, name=None):
    path = os.path.join(TMP, name or "cfg%d.ini" % len(os.listdir(TMP)))
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


@bpf
def test_analysis_spin_is_cpu_bound():
    docs, _, _ = trace([probe("op_spin")], [WORKLOAD, "spin", 500, 1000])
    doc = final(docs)
    f = top_finding(doc, "op_spin", "cpu_bound_op")
    check(evidence(f, "oncpu_share") > 0.8, "oncpu_share %s" % evidence(f, "oncpu_share"))
    check("Profile" in f["recommendation"], "recommendation: %s" % f["recommendation"])
    for p in doc["pids"]:
        e = p.get("efficiency")
        check(e is None or 0 <= e <= 1, "efficiency %r" % e)


@bpf
def test_analysis_sleep_is_blocked():
    docs, _, _ = trace([probe("op_sleep")], [WORKLOAD, "sleep", 200, 2])
    doc = final(docs)
    f = top_finding(doc, "op_sleep", "blocked_op")
    check(evidence(f, "offcpu_share") > 0.5, "offcpu_share %s" % evidence(f, "offcpu_share"))
    # A 2 ms sleep is that and nothing else: no tail, error or tracer-cost finding.
    rules = [g["rule"] for g in op_findings(doc, "op_sleep")]
    check(rules == ["blocked_op"], "op_sleep findings %s, want only blocked_op" % rules)


@bpf
def test_analysis_odirect_is_io_bound():
    # fdatasync after each O_DIRECT write: the call waits for the device.
    # (A 4 KiB O_DIRECT read is not a reliable IO-bound op on this VM: the
    # virtio disk often completes it while the thread is still on the CPU in
    # the submit path, so its IO wait ranges from 5% to 45% of the call.)
    d = tempfile.mkdtemp(prefix="odirect-", dir=os.path.join(ROOT, "build"))
    try:
        docs, _, _ = trace(["%s:do_fsync" % ODIRECT], [ODIRECT, "-r", "0", "-w", "300", d])
    finally:
        shutil.rmtree(d, ignore_errors=True)
    doc = final(docs)
    f = top_finding(doc, "do_fsync", "io_bound_op")
    check(evidence(f, "iowait_share") > 0.3, "iowait_share %s" % evidence(f, "iowait_share"))
    check(f["device"], "io_bound_op names no device: %s" % f)
    check(evidence(f, "block_p99") > 0, "block_p99 %s" % evidence(f, "block_p99"))


@bpf
def test_analysis_contention_is_cpu_saturation():
    docs, _, _ = trace([probe("op_spin")], [WORKLOAD, "contend", 3, 200, 1000])
    doc = final(docs)
    f = top_finding(doc, "op_spin", "cpu_saturation")
    share = evidence(f, "runq_share")
    check(share > 0.4, "3 threads on one CPU: runq_share %.3f, want ~0.67" % share)
    check(f["severity"] == ("critical" if share > 0.5 else "warning"),
          "runq_share %.3f: severity %s" % (share, f["severity"]))
    check("CPU" in f["summary"], "summary: %s" % f["summary"])


@bpf
def test_analysis_demo_errors_and_tail():
    docs, _, _ = trace([probe("db_query", ",error=ret<0")], [WORKLOAD, "demo", 2])
    doc = final(docs)
    fs = op_findings(doc, "db_query")
    rules = [f["rule"] for f in fs]
    # 10% of queries fail with ENOENT (above the 5% default), 1% with ETIMEDOUT (below).
    errs = [f for f in fs if f["rule"] == "error_rate"]
    check(len(errs) == 1 and "ENOENT" in errs[0]["subject"] and errs[0]["severity"] == "warning",
          "error_rate findings: %s" % [(f["subject"], f["severity"]) for f in errs])
    check(abs(evidence(errs[0], "error_rate") - 0.1) < 0.02, "ENOENT rate %s"
          % evidence(errs[0], "error_rate"))
    # 2% of queries sleep 20 ms instead of 1 ms: p99 ~20x p50, the tail off CPU.
    check("tail_amplification" in rules, "no tail_amplification for db_query: %s" % rules)
    tail = [f for f in fs if f["rule"] == "tail_amplification"][0]
    check(evidence(tail, "p99_over_p50") > 10, "p99/p50 %s" % evidence(tail, "p99_over_p50"))
    check(evidence(tail, "tail_offcpu_share") > 0.9, "tail evidence %s" % tail["evidence"])


@bpf
def test_analysis_text_report():
    text, _, _ = trace([probe("op_sleep")], [WORKLOAD, "sleep", 100, 2], fmt="text")
    lines = text.splitlines()
    at = [i for i, line in enumerate(lines) if line.startswith("Findings")]
    check(at, "no Findings section in the text report:\n%s" % text)
    rest = "\n".join(lines[at[-1]:])
    check("blocked_op" in rest and "do:" in rest and "evidence:" in rest,
          "Findings section without blocked_op, evidence and recommendation:\n%s" % rest)


def _make_cgroup(name, quota_us, period_us=100000):
    """A cgroup with a CPU quota (v2, else the v1 cpu hierarchy); returns
    (its cgroup.procs path, its directory) or raises Skip."""
    v2 = "/sys/fs/cgroup"
    try:
        ctl = open(os.path.join(v2, "cgroup.controllers")).read().split()
    except OSError:
        ctl = []
    if "cpu" in ctl:
        sub = os.path.join(v2, "cgroup.subtree_control")
        try:
            if "cpu" not in open(sub).read().split():
                with open(sub, "w") as f:
                    f.write("+cpu")
            d = os.path.join(v2, name)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "cpu.max"), "w") as f:
                f.write("%d %d" % (quota_us, period_us))
            return os.path.join(d, "cgroup.procs"), d
        except OSError as e:
            raise Skip("cannot make a cgroup v2 with a CPU quota: %s" % e)
    for v1 in ("cpu", "cpu,cpuacct"):
        root = os.path.join(v2, v1)
        if os.path.exists(os.path.join(root, "cpu.cfs_quota_us")):
            try:
                d = os.path.join(root, name)
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, "cpu.cfs_period_us"), "w") as f:
                    f.write(str(period_us))
                with open(os.path.join(d, "cpu.cfs_quota_us"), "w") as f:
                    f.write(str(quota_us))
                return os.path.join(d, "cgroup.procs"), d
            except OSError as e:
                raise Skip("cannot make a v1 cpu cgroup with a quota: %s" % e)
    raise Skip("no cgroup with a cpu controller to use")


def _remove_cgroup(d):
    for _ in range(50):  # the target's exit is asynchronous
        try:
            os.rmdir(d)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)


@bpf
def test_analysis_cgroup_throttling():
    # spin under a 0.2 CPU quota: throttled in most periods.
    procs, d = _make_cgroup("optrace-it-%d" % os.getpid(), 20000)
    try:
        docs, _, _ = trace([probe("op_spin")],
                           ["sh", "-c", "echo $$ > %s && exec %s spin 800 1000" % (procs, WORKLOAD)])
    finally:
        _remove_cgroup(d)
    doc = final(docs)
    fs = [f for f in check_findings_shape(doc) if f["rule"] == "cpu_saturation"
          and f["subject_kind"] == "pid" and "throttled_share" in {e["name"] for e in f["evidence"]}]
    check(fs, "no cgroup throttling finding: %s" % [(f["rule"], f["summary"])
                                                    for f in doc["findings"]])
    check(evidence(fs[0], "throttled_share") > 0.5, "throttled_share %s"
          % evidence(fs[0], "throttled_share"))
    check(abs(evidence(fs[0], "cpu_quota") - 0.2) < 1e-9, "cpu_quota %s"
          % evidence(fs[0], "cpu_quota"))


ALERT_RULES = """\
; op_sleep's p99 (~1 ms) is above 100 us at every tick
[alert "once"]
metric = p99
op = op_sleep
condition = > 100us
for = 2s
cooldown = 1m
severity = warning

[alert "repeat"]
metric = p99
op = op_*
condition = > 100us
for = 1s
cooldown = 2s
"""


def read_alert_log(path):
    check(os.path.exists(path), "no alert log written")
    lines = open(path).read().splitlines()
    events = []
    for line in lines:
        ev = json.loads(line)  # one JSON object per line
        check(set(ev) == ALERT_KEYS, "alert log keys %s, want %s" % (sorted(ev), sorted(ALERT_KEYS)))
        events.append(ev)
    return events


@bpf
def test_alert_sustained_fires_once_then_cooldown():
    cfg = write_config(ALERT_RULES)
    log = os.path.join(TMP, "alerts.jsonl")
    docs, _, r = trace([probe("op_sleep")], [WORKLOAD, "loop", 6, 1],
                       extra=["-c", cfg, "--alert-log", log])
    doc = final(docs)
    events = read_alert_log(log)
    once = [e for e in events if e["name"] == "once"]
    rep = [e for e in events if e["name"] == "repeat"]
    # Held from the first tick on: "once" fires when it has held 2 s, then its
    # 1 min cooldown keeps it quiet for the rest of the 6 s run.
    check(len(once) == 1, "'once' fired %d times: %s" % (len(once), once))
    e = once[0]
    check(e["severity"] == "warning" and e["subject_kind"] == "op" and e["op"] == "op_sleep"
          and e["metric"] == "p99" and e["cmp"] == ">" and e["threshold"] == 100000
          and e["for_s"] == 2 and e["value"] > 100000, "event: %s" % e)
    check(e["t_s"] >= 1.95, "'once' fired at %.2f s, before holding 2 s" % e["t_s"])
    # "repeat": again only when its 2 s cooldown has passed.
    check(len(rep) >= 2, "'repeat' fired %d times in a 6 s run, want 2..3: %s"
          % (len(rep), [x["t_s"] for x in rep]))
    check(rep[0]["t_s"] >= 0.95, "'repeat' first at %.2f s, for = 1s" % rep[0]["t_s"])
    gaps = [b["t_s"] - a["t_s"] for a, b in zip(rep, rep[1:])]
    check(all(g >= 1.95 for g in gaps), "'repeat' fired within its 2 s cooldown: at %s"
          % [x["t_s"] for x in rep])
    check(all(e["pid"] == op(doc, "op_sleep")["pid"] for e in events), "alert pids %s"
          % [e["pid"] for e in events])
    # The report lists the same events; stderr has one line per event.
    got = [(a["name"], a["t_s"]) for a in doc["alerts"]]
    check(got == [(e["name"], e["t_s"]) for e in events], "report alerts %s, log %s"
          % (got, [(e["name"], e["t_s"]) for e in events]))
    lines = [line for line in r.stderr.splitlines() if line.startswith("optrace: alert ")]
    check(len(lines) == len(events), "%d alert lines on stderr, %d in the log:\n%s"
          % (len(lines), len(events), r.stderr))


@bpf
def test_exit_on_critical_alert():
    cfg = write_config('[alert "too-slow"]\nmetric = p99\nop = op_sleep\ncondition = > 100us\n'
                       'for = 1s\nseverity = critical\n')
    t0 = time.monotonic()
    docs, _, r = trace([probe("op_sleep")], [WORKLOAD, "loop", 60, 1],
                       extra=["-c", cfg, "--exit-on-alert"], want_rc=1)
    took = time.monotonic() - t0
    check(took < 20, "--exit-on-alert: ran %.1f s of a 60 s command" % took)
    check("alert critical too-slow" in r.stderr, "stderr: %r" % r.stderr)
    doc = final(docs)
    check(doc["alerts"] and doc["alerts"][0]["severity"] == "critical",
          "final report alerts %s" % doc["alerts"])


@bpf
def test_exit_on_alert_ignores_warnings():
    cfg = write_config('[alert "slowish"]\nmetric = p99\nop = op_sleep\ncondition = > 100us\n'
                       'severity = warning\n')
    docs, target, _ = trace([probe("op_sleep")], [WORKLOAD, "loop", 2, 1],
                            extra=["-c", cfg, "--exit-on-alert"], want_rc=0)
    check(target.get("calls", 0) > 0, "the command did not run to its end")
    check(final(docs)["alerts"], "no warning alert in the report")


@bpf
def test_config_errors_exit_2():
    cmd = ["-u", probe("op_fast"), "--", WORKLOAD, "count", 1]
    bad = write_config("[thresholds]\ncpu_warning = lots\n", name="bad.ini")
    usage_error(["trace", "-c", bad] + cmd, "bad.ini:2:", "cpu_warning")
    bad = write_config('[alert "x"]\nmetric = p99\n', name="incomplete.ini")
    usage_error(["trace", "-c", bad] + cmd, "incomplete.ini:1:", "condition")
    usage_error(["trace", "-c", os.path.join(TMP, "missing.ini")] + cmd, "missing.ini")
    if os.geteuid() == 0:
        loose = write_config("[thresholds]\nmin_calls = 5\n", mode=0o666, name="loose.ini")
        usage_error(["trace", "-c", loose] + cmd, "loose.ini", "refusing")


@bpf
def test_config_thresholds_change_findings():
    # With on-CPU share 100% needed, the spin op is no longer "CPU-bound".
    cfg = write_config("[thresholds]\ncpu_bound_share = 100%\n")
    docs, _, _ = trace([probe("op_spin")], [WORKLOAD, "spin", 200, 1000], extra=["-c", cfg])
    rules = [f["rule"] for f in op_findings(final(docs), "op_spin")]
    check("cpu_bound_op" not in rules, "cpu_bound_op despite cpu_bound_share = 100%%: %s" % rules)
    # A per-op latency limit the op breaks.
    cfg = write_config('[op "op_sp*"]\np50 = 500us\nseverity = critical\n')
    docs, _, _ = trace([probe("op_spin")], [WORKLOAD, "spin", 200, 1000], extra=["-c", cfg])
    f = top_finding(final(docs), "op_spin", "op_latency_threshold")
    check(f["severity"] == "critical" and evidence(f, "p50_limit") == 500000,
          "op_latency_threshold: %s" % f)
