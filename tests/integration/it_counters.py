# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# it_counters.py - perf counters per call (--counters).  The mechanism (read
# the CPU's counter at each switch-in and switch-out of a traced thread, and
# at op entry and exit) is checked with cpu-clock, a software counter every
# machine has: on a CPU contended by three spinning threads, its per-call
# value must match the thread's own CPU time and the time split's on-CPU
# part, not the wall time (twice as long).  Hardware counters are checked
# where the machine has a PMU; where it has none, the report must say why.
# exec'd inside run.py's namespace: run, trace, check, bpf, TMP, ROOT...


def _ctr_has_pmu():
    """True when perf can count instructions here (perf_event_open would work)."""
    return (os.path.exists("/sys/bus/event_source/devices/cpu") or
            os.path.exists("/sys/bus/event_source/devices/cpu_core"))


def _ctr(o, name):
    c = (o.get("counters") or {}).get(name)
    check(c is not None, "op %s: no counter %r in %s" % (o["name"], name, o.get("counters")))
    return c


@bpf
def test_counters_cpu_clock_only_while_running():
    # 3 threads pinned to CPU 0, each op_spin(1000 us) 150 times: each call
    # is on a CPU about a third of its wall time.
    docs, kv_, _ = trace([probe("op_spin")], [WORKLOAD, "contend", "3", "150", "1000"],
                         extra=["--counters", "cpu-clock"])
    d = final(docs)
    no_loss(d)
    _rat_schema_check(d)
    check(d["meta"]["counters"] == ["cpu-clock"], "meta.counters %s" % d["meta"]["counters"])
    o = op(d, "op_spin")
    c = _ctr(o, "cpu-clock")
    lost = d["loss"]["ctr_unseen"]
    # Calls over a switch-in that sched_switch did not deliver have no value;
    # they are counted, and must stay few.
    check(c["calls"] + lost >= o["calls"] and c["calls"] >= 0.8 * o["calls"],
          "counted %d + unseen %d of %d calls" % (c["calls"], lost, o["calls"]))
    split = o["time_split"]["all"]
    wall, oncpu = o["latency_ns"]["mean"], split["oncpu_mean_ns"]
    check(wall > 1.7 * c["mean"], "wall mean %.0f ns is not well above cpu-clock %.0f ns: "
          "the counter ran while the thread waited" % (wall, c["mean"]))
    check(abs(c["mean"] - oncpu) <= 0.03 * oncpu,
          "cpu-clock %.0f ns per call vs on-CPU %.0f ns (time split)" % (c["mean"], oncpu))
    own = int(kv_["op_cpu_ns"]) / int(kv_["calls"])  # the threads' own measure
    check(abs(c["mean"] - own) <= 0.05 * own,
          "cpu-clock %.0f ns per call vs %.0f ns the target measured" % (c["mean"], own))
    check(1e6 * 0.95 <= c["p50"] <= 1e6 * 1.10, "cpu-clock p50 %d ns, want ~1 ms" % c["p50"])


@bpf
def test_counters_text_csv_prom_and_record():
    rec = os.path.join(TMP, "ctr.optrace")
    r = run([OPTRACE, "record", "-o", rec, "--counters", "cpu-clock", "-u", probe("op_spin"),
             "--", WORKLOAD, "spin", "40", "500"])
    check(r.returncode == 0, "record: exit %d: %s" % (r.returncode, r.stderr))
    text = run([OPTRACE, "report", rec]).stdout
    check("counters: cpu-clock per call, counted only while the thread runs" in text,
          "no counters line in:\n%s" % text)
    check("    counters cpu-clock " in text, "no per-op counters line in:\n%s" % text)
    j = json.loads(run([OPTRACE, "report", rec, "-f", "json"]).stdout)
    c = _ctr(op(j, "op_spin"), "cpu-clock")
    check(c["calls"] >= 30 and 400e3 <= c["mean"] <= 600e3, "cpu-clock %s" % c)
    csv_text = run([OPTRACE, "report", rec, "-f", "csv"]).stdout
    import csv as csvmod
    rows = list(csvmod.DictReader(csv_text.splitlines()))
    row = [x for x in rows if x["op"] == "op_spin"][0]
    check(row["counter1"] == "cpu-clock" and int(row["counter1_calls"]) == c["calls"],
          "csv counter1 %r calls %r" % (row["counter1"], row["counter1_calls"]))
    check(abs(float(row["counter1_mean"]) - c["mean"]) < 1, "csv mean %s" % row["counter1_mean"])
    check(row["counter2"] == "" and row["counter2_mean"] == "", "csv counter2 %r" % row["counter2"])
    prom = run([OPTRACE, "report", rec, "-f", "prom"]).stdout
    want = 'optrace_op_perf_calls_total{'
    check(want in prom and "optrace_op_cpu_clock_seconds_total{" in prom,
          "prom lacks counter families")
    pt = shutil.which("promtool")
    if pt:
        r = subprocess.run([pt, "check", "metrics"], input=prom, capture_output=True, text=True)
        check(r.returncode == 0, "promtool: %s%s" % (r.stdout, r.stderr))


@bpf
def test_counters_hardware_or_why_absent():
    # The default set (instructions, cycles): measured where the machine has
    # a PMU, else absent with the reason, and the trace still succeeds.
    docs, _, _ = trace([probe("op_spin")], [WORKLOAD, "spin", "50", "500"])
    d = final(docs)
    o = op(d, "op_spin")
    if _ctr_has_pmu():
        check(d["meta"]["counters"] == ["instructions", "cycles"],
              "meta.counters %s (absent: %s)" % (d["meta"]["counters"],
                                                 d["meta"]["counters_absent"]))
        ins, cyc = _ctr(o, "instructions"), _ctr(o, "cycles")
        check(ins["calls"] >= 40 and cyc["calls"] >= 40, "counted %s %s" % (ins, cyc))
        ipc = ins["mean"] / cyc["mean"]
        check(0.05 < ipc < 8, "IPC %.2f of a spin loop" % ipc)
    else:
        why = d["meta"]["counters_absent"] or ""
        check(d["meta"]["counters"] == [] and "instructions" in why and "PMU" in why,
              "no PMU here: counters %s, absent %r" % (d["meta"]["counters"], why))
        text, _, _ = trace([probe("op_spin")], [WORKLOAD, "spin", "5", "100"], fmt="text")
        check("counters: none: instructions, cycles: no hardware PMU" in text,
              "text does not say why:\n%s" % text)
    # An explicit request for a counter the machine lacks warns, never fails.
    if not _ctr_has_pmu():
        _, _, r = trace([probe("op_spin")], [WORKLOAD, "spin", "5", "100"],
                        extra=["--counters", "instructions"])
        check("counters absent: instructions" in r.stderr, "no warning: %s" % r.stderr)


def test_counters_bad_option():
    for bad, msg in (("bogus", "unknown counter 'bogus'"), ("cycles,cycles", "given twice"),
                     ("instructions,cycles,cpu-clock", "at most 2"), ("", "empty list")):
        r = run([OPTRACE, "trace", "--counters", bad, "-u", probe("op_fast"), "--", WORKLOAD,
                 "count", "1"])
        check(r.returncode == 2 and msg in r.stderr, "--counters %r: exit %d, %s"
              % (bad, r.returncode, r.stderr.strip()))
