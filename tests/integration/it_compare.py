# it_compare.py - `optrace compare` on real records of tests/targets/regress,
# whose op does a chosen percentage more work per call.  Exec'd by run.py in
# its namespace: uses run(), check(), Fail, TMP and @bpf from there.

REGRESS = os.path.join(ROOT, "build", "targets", "regress")


def record_regress(name, calls, slowdown_pct):
    """optrace record of `regress CALLS SLOWDOWN`; returns the record's path."""
    path = os.path.join(TMP, name + ".optrace")
    r = run([OPTRACE, "record", "-o", path, "-u", "%s:op" % REGRESS, "--",
             REGRESS, calls, slowdown_pct])
    check(r.returncode == 0, "record %s: exit %d; stderr %s" % (name, r.returncode, r.stderr))
    check(os.path.exists(path), "record %s: no file written" % name)
    return path


def compare(*args):
    """optrace compare ARGS -f json; returns (exit code, parsed JSON or None, stderr)."""
    out = os.path.join(TMP, "compare%d.json" % len(os.listdir(TMP)))
    r = run([OPTRACE, "compare"] + [str(a) for a in args] + ["-f", "json", "-o", out])
    doc = json.load(open(out)) if os.path.exists(out) and os.path.getsize(out) else None
    return r.returncode, doc, r.stderr


@bpf
def test_compare_records_regress():
    calls = 5000  # ~120 us each: under a second a record
    # Interleaved runs (A B C A B C): drifts of this shared VM hit every side alike.
    base, same, slow = [], [], []
    for i in range(3):
        base.append(record_regress("base%d" % i, calls, 0))
        same.append(record_regress("same%d" % i, calls, 0))
        slow.append(record_regress("slow%d" % i, calls, 25))

    # Two sets of runs of the same build: no regression (exit 0, or 4 when the
    # runner was too noisy to tell; never 1).
    rc, doc, err = compare("--base", *base, "--current", *same)
    check(rc in (0, 4), "same build: exit %d, want 0 (or 4); %s" % (rc, err))
    check(doc["result"] != "fail", "same build flagged: %s" % doc["summary"])

    # +25% work per call: exit 1, and p50 and mean regressed.
    rc, doc, err = compare("--base", *base, "--current", *slow)
    check(rc == 1, "+25%%: exit %d, want 1; %s" % (rc, err))
    op = [o for o in doc["ops"] if o["name"] == "op"][0]
    for m in ("p50", "mean"):
        check(op["metrics"][m]["verdict"] == "regressed",
              "+25%%: %s is %s: %s" % (m, op["metrics"][m]["verdict"], op["metrics"][m]))
    # Instructions and cycles (the default --counters): compared where the
    # machine has a PMU (+25% work is +25% instructions), else absent with
    # the recording's reason.
    pmu = (os.path.exists("/sys/bus/event_source/devices/cpu") or
           os.path.exists("/sys/bus/event_source/devices/cpu_core"))
    for m in ("instructions", "cycles"):
        mm = op["metrics"][m]
        if pmu:
            check(mm["present"] and (m == "cycles" or mm["verdict"] == "regressed"),
                  "%s on a PMU machine: %s" % (m, mm))
        else:
            check(not mm["present"] and "PMU" in (mm["reason"] or ""),
                  "%s should be absent with the reason: %s" % (m, mm))

    # The single-record form, and the other formats.
    rc, _, err = compare(base[0], slow[0], "--fail-on", "p50>+10%")
    check(rc == 1, "BASE CURRENT, p50>+10%% on +25%%: exit %d; %s" % (rc, err))
    xml = os.path.join(TMP, "compare.xml")
    r = run([OPTRACE, "compare", base[0], slow[0], "-f", "junit", "-o", xml])
    check(r.returncode == 1 and "<failure" in open(xml).read(), "junit: exit %d" % r.returncode)

    # 5 calls a side: inconclusive, exit 4.
    tiny = [record_regress("tiny%d" % i, 5, 0) for i in range(2)]
    rc, doc, err = compare(tiny[0], tiny[1])
    check(rc == 4, "5 calls a side: exit %d, want 4; %s" % (rc, err))
    check(doc["result"] == "inconclusive", "5 calls: result %s" % doc["result"])


def test_compare_input_errors():
    # No BPF needed: reading records only.
    bad = os.path.join(TMP, "not-a-record.optrace")
    with open(bad, "w") as f:
        f.write("hello\n")
    missing = os.path.join(TMP, "missing.optrace")
    for args, words in (([missing, bad], ["missing.optrace"]),
                        ([bad, bad], ["not-a-record.optrace"]),
                        ([bad], ["BASE and CURRENT"]),
                        ([bad, bad, "--fail-on", "p98>+1%"], ["unknown metric 'p98'"]),
                        ([bad, bad, "-f", "html"], ["unknown format"])):
        r = run([OPTRACE, "compare"] + args)
        check(r.returncode == 2, "compare %s: exit %d, want 2" % (args, r.returncode))
        one = r.stderr.count("\n") == 1 and r.stderr.startswith("optrace: ")
        check(one and all(w in r.stderr for w in words),
              "compare %s: want one 'optrace: ' line with %s, got %r" % (args, words, r.stderr))
    r = run([OPTRACE, "compare", "--help"])
    check(r.returncode == 0 and "Examples:" in r.stdout, "compare --help: exit %d" % r.returncode)
