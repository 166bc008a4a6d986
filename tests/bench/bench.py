#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""optrace benchmarks: overhead, startup, throughput, memory, accuracy.

Every measure runs REPS times, interleaved with the others of its group (so
that a slow phase of the machine hits all of them alike), and prints min,
median and ratios of medians.  See docs/benchmarks.md for the method.

  bench.py            full run, Markdown-ish table on stdout
  bench.py --smoke    quick run (< 60 s): fewer repetitions, smaller counts,
                      checks; last line "bench-smoke: N passed, N failed"
  bench.py --only overhead,startup,...   a subset (full mode)
"""
import json
import os
import platform
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

OUT = os.environ.get("OUT", "build")
B = os.path.join(OUT, "bench")
OPTRACE = os.path.join(OUT, "optrace")
TARGET = os.path.abspath(os.path.join(B, "target"))
TARGET_CET = os.path.abspath(os.path.join(B, "target-cet"))
FLOOR = os.path.join(B, "floor")
FLOOR_OBJ = os.path.join(B, "floor.bpf.o")
CONSUMER = os.path.join(B, "consumer")
FLOOD = os.path.join(B, "flood")
FLOOD_OBJ = os.path.join(B, "flood.bpf.o")
ACCURACY = os.path.join(B, "accuracy")
BPFTRACE = shutil.which("bpftrace")

SMOKE = "--smoke" in sys.argv
REPS = 2 if SMOKE else 5
# Per-call overhead runs are short and the noisiest measure here: more rounds.
OVERHEAD_REPS = 2 if SMOKE else 9
results = []  # (section, name, values list or None, unit, note)
checks = []  # (name, ok, detail)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def check(name, ok, detail=""):
    checks.append((name, bool(ok), detail))
    if not ok:
        log(f"CHECK FAILED: {name}: {detail}")


def run(cmd, timeout=300, env=None):
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    return p, time.monotonic() - t0


# ---- ELF: symbol -> file offset, endbr64 detection (stdlib only) ----

def elf_func_offset(path, name):
    with open(path, "rb") as f:
        data = f.read()
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    secs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    for s in secs:
        if s[1] != 2:  # SHT_SYMTAB
            continue
        strtab = secs[s[6]]
        for off in range(s[4], s[4] + s[5], 24):
            st_name, _info, _other, _shndx, value, _size = struct.unpack_from("<IBBHQQ", data, off)
            end = data.index(b"\0", strtab[4] + st_name)
            if data[strtab[4] + st_name:end].decode() != name:
                continue
            for i in range(phnum):
                p_type, _fl, p_off, p_vaddr, _pa, p_filesz = struct.unpack_from(
                    "<IIQQQQ", data, phoff + i * phentsize)
                if p_type == 1 and p_vaddr <= value < p_vaddr + p_filesz:
                    fo = value - p_vaddr + p_off
                    return fo, data[fo:fo + 4] == b"\xf3\x0f\x1e\xfa"
    raise RuntimeError(f"{name} not found in {path}")


def stats(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None, None
    return min(vals), statistics.median(vals)


def add(section, name, vals, unit, note=""):
    results.append((section, name, vals, unit, note))


def med(section, name):
    for s, n, v, _u, _no in results:
        if s == section and n == name:
            return stats(v)[1] if v else None
    return None


# ---- 1. per-call overhead ----

NS_RE = re.compile(r"ns_per_call_median=([0-9.]+)")


def ns_per_call(p):
    """The target's median batch (of 20): a host hiccup in one batch, which
    this VM has now and then, does not move it as it moves the mean."""
    m = NS_RE.search(p.stderr)
    return float(m.group(1)) if (m and p.returncode == 0) else None


def round_ratios(vals, num, den, base="untraced"):
    """(num - base) / (den - base) for each round: the configurations of a
    round run back to back, so the VM's drift between rounds cancels."""
    out = []
    for b, n, d in zip(vals[base], vals[num], vals[den]):
        out.append((n - b) / (d - b) if None not in (b, n, d) and d > b else None)
    return out


def bench_overhead():
    n = 20000 if SMOKE else 200000
    for label, binpath in (("plain", TARGET), ("endbr64", TARGET_CET)):
        off, endbr = elf_func_offset(binpath, "op")
        probe_off = off + 4 if endbr else off
        loop = [binpath, "loop", str(n)]
        configs = {
            "untraced": loop,
            "floor": [FLOOR, FLOOR_OBJ, binpath, hex(probe_off), "--"] + loop,
            "optrace": [OPTRACE, "trace", "-u", f"{binpath}:op", "-o", "/dev/null", "--"] + loop,
        }
        if endbr:
            # What a tracer that probes the function's first byte pays.
            configs["floor@entry"] = [FLOOR, FLOOR_OBJ, binpath, hex(off), "--"] + loop
        if not SMOKE:
            configs["optrace --no-split"] = configs["optrace"][:2] + ["--no-split"] + \
                configs["optrace"][2:]
        if BPFTRACE:
            prog = (f"uprobe:{binpath}:op {{ @s[tid] = nsecs; }} "
                    f"uretprobe:{binpath}:op /@s[tid]/ {{ @h = hist(nsecs - @s[tid]); "
                    f"delete(@s[tid]); }}")
            if SMOKE:
                pass  # bpftrace compiles for ~1 s per start: full runs only
            else:
                configs["bpftrace"] = [BPFTRACE, "-q", "-e", prog, "-c", " ".join(loop)]
        vals = {k: [] for k in configs}
        for _ in range(OVERHEAD_REPS):
            for k, cmd in configs.items():
                p, _ = run(cmd)
                v = ns_per_call(p)
                if v is None:
                    log(f"overhead {label} {k}: no result (rc {p.returncode}): {p.stderr[-300:]}")
                vals[k].append(v)
        for k in configs:
            add(f"overhead {label}", k, vals[k], "ns/call")
        if not BPFTRACE or SMOKE:
            add(f"overhead {label}", "bpftrace", None, "ns/call",
                "not run in smoke mode" if BPFTRACE else "bpftrace not installed")
        add(f"overhead {label}", "optrace/floor (overhead over untraced)",
            round_ratios(vals, "optrace", "floor"), "x", "per round")
        if "bpftrace" in vals:
            add(f"overhead {label}", "optrace/bpftrace (overhead over untraced)",
                round_ratios(vals, "optrace", "bpftrace"), "x", "per round")
        for k in configs:
            if k != "bpftrace":
                check(f"overhead {label} {k} measured", all(v is not None for v in vals[k]))
        if not SMOKE:
            bpf_time_per_call(label, configs["floor"], configs["optrace"])


RUN_TIME_RE = re.compile(r"bpf run time: (\w+) \d+ runs, ([0-9.]+) ns/run")


def run_time_sum(p, names):
    """Sum of the mean run times (ns) of the entry and return programs."""
    t = {m.group(1): float(m.group(2)) for m in RUN_TIME_RE.finditer(p.stderr)}
    vals = [t[n] for n in names if n in t]
    return sum(vals) if len(vals) == len(names) and p.returncode == 0 else None


def bpf_time_per_call(label, floor_cmd, optrace_cmd):
    """The programs' own time per call, as the kernel counts it with
    kernel.bpf_stats_enabled=1 (entry + return program): far less noisy
    than the wall clock, which a VM's trap cost moves by +-20%.  What
    optrace adds over the floor's empty programs, over what the floor's
    pair costs the target (wall clock, medians), is its ratio to the floor
    with this noise taken out."""
    sysctl = "/proc/sys/kernel/bpf_stats_enabled"
    try:
        with open(sysctl) as f:
            old = f.read().strip()
        with open(sysctl, "w") as f:
            f.write("1")
    except OSError as e:
        add(f"overhead {label}", "BPF time per call (bpf_stats)", None, "ns", str(e))
        return
    fl, op = [], []
    try:
        for _ in range(REPS):
            p, _ = run(floor_cmd)
            fl.append(run_time_sum(p, ["floor_enter", "floor_exit"]))
            p, _ = run(optrace_cmd[:2] + ["-v"] + optrace_cmd[2:])
            op.append(run_time_sum(p, ["handle_op_enter_multi", "handle_op_exit_multi"]))
    finally:
        with open(sysctl, "w") as f:
            f.write(old)
    sec = f"overhead {label}"
    add(sec, "floor's programs (bpf_stats, entry + return)", fl, "ns/call")
    add(sec, "optrace's programs (bpf_stats, entry + return)", op, "ns/call")
    base, flw = med(sec, "untraced"), med(sec, "floor")
    f, o = stats(fl)[1], stats(op)[1]
    if None not in (base, flw, f, o) and flw > base:
        add(sec, "optrace/floor from bpf_stats (1 + programs' difference / floor's wall cost)",
            [1 + (o - f) / (flw - base)], "x")


# ---- 2. start to attached, stop to exit ----

def wait_line(p, pattern, timeout, stream="stderr"):
    """Seconds until a line matching pattern appears on p's stream, or None."""
    f = p.stderr if stream == "stderr" else p.stdout
    t0 = time.monotonic()
    buf = b""
    fd = f.fileno()
    while time.monotonic() - t0 < timeout:
        r, _, _ = select.select([fd], [], [], 0.05)
        if not r:
            if p.poll() is not None:
                return None
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            return None
        buf += chunk
        if re.search(pattern, buf):
            return time.monotonic() - t0
    return None


def start_stop(cmd, pattern, stream):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    waited = wait_line(p, pattern, 30, stream)
    attach = waited and (time.monotonic() - t0)
    stop = None
    if attach:
        time.sleep(0.2)
        t1 = time.monotonic()
        p.send_signal(signal.SIGINT)
        try:
            # drain pipes while waiting so the tool never blocks on output
            p.communicate(timeout=30)
            stop = time.monotonic() - t1
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
    else:
        p.kill()
        p.communicate()
    return attach, stop


def bench_startup():
    tgt = subprocess.Popen([TARGET, "wait", "600"], stdout=subprocess.PIPE, text=True)
    tgt.stdout.readline()
    pid = str(tgt.pid)
    ot = [OPTRACE, "trace", "-p", pid, "-o", "/dev/null"]
    configs = {
        "optrace 1 probe": (ot + ["-u", f"{TARGET}:op"], rb"Tracing", "stderr"),
        "optrace 50 probes": (ot + ["-u", f"{TARGET}:op_*"], rb"Tracing", "stderr"),
        "optrace tracepoints only": (ot, rb"Tracing", "stderr"),
        "optrace 1 probe --no-calibrate": (ot + ["--no-calibrate", "-u", f"{TARGET}:op"],
                                           rb"Tracing", "stderr"),
    }
    if BPFTRACE and not SMOKE:
        begin = 'BEGIN { printf("attached\\n"); } '
        lat = "{ @s[tid] = nsecs; } "
        ret = "/@s[tid]/ { @h = hist(nsecs - @s[tid]); delete(@s[tid]); }"
        bt = [BPFTRACE, "-B", "line", "-p", pid, "-e"]
        configs["bpftrace 1 probe"] = (bt + [begin + f"uprobe:{TARGET}:op {lat} "
                                             f"uretprobe:{TARGET}:op {ret}"], rb"attached", "stdout")
        configs["bpftrace 50 probes"] = (bt + [begin + f"uprobe:{TARGET}:op_* {lat} "
                                               f"uretprobe:{TARGET}:op_* {ret}"], rb"attached",
                                         "stdout")
        configs["bpftrace tracepoints only"] = (
            [BPFTRACE, "-B", "line", "-e", begin +
             "tracepoint:sched:sched_switch, tracepoint:sched:sched_wakeup, "
             "tracepoint:sched:sched_wakeup_new, tracepoint:block:block_rq_issue, "
             "tracepoint:block:block_rq_complete, tracepoint:sched:sched_process_fork, "
             "tracepoint:sched:sched_process_exec, tracepoint:sched:sched_process_exit "
             "{ @[probe] = count(); }"], rb"attached", "stdout")
    att = {k: [] for k in configs}
    stp = {k: [] for k in configs}
    try:
        for _ in range(REPS):
            for k, (cmd, pat, stream) in configs.items():
                a, s = start_stop(cmd, pat, stream)
                att[k].append(a)
                stp[k].append(s)
    finally:
        tgt.send_signal(signal.SIGINT)
        tgt.wait()
    for k in configs:
        add("start to attached", k, [a * 1000 if a else None for a in att[k]], "ms")
    if not (BPFTRACE and not SMOKE):
        add("start to attached", "bpftrace", None, "ms",
            "not run in smoke mode" if BPFTRACE else "bpftrace not installed")
    for k in configs:
        if "tracepoints" in k or "no-calibrate" in k:
            continue
        add("stop (SIGINT) to exit", k, [s * 1000 if s else None for s in stp[k]], "ms")
    for k in configs:
        if not k.startswith("optrace"):
            continue  # bpftrace is the comparison, not under test: n/a when it fails
        check(f"startup {k} attached", all(att[k]), str(att[k]))
        if "tracepoints" not in k:
            check(f"startup {k} exited", all(stp[k]), str(stp[k]))


# ---- 3. event throughput ----

def optrace_json(cmd_tail, extra=(), func="op"):
    """optrace trace -u BIN:FUNC EXTRA -f json -- CMD_TAIL (BIN = CMD_TAIL[0])."""
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        p, el = run([OPTRACE, "trace", "-u", f"{cmd_tail[0]}:{func}", *extra, "-f", "json", "-o",
                     f.name, "--"] + cmd_tail)
        try:
            d = json.load(open(f.name))
        except (ValueError, OSError):
            log(f"optrace json: rc {p.returncode}: {p.stderr[-300:]}")
            return None, p
        return d, p


RATE_RE = re.compile(r"rate=([0-9.]+)")


def bench_throughput():
    n = 20000 if SMOKE else 300000
    # rate per thread (0 = as fast as the probe allows), threads, ring MiB
    points = [(100000, 1, 16), (0, 1, 16), (0, 2, 16), (0, 2, 1)]
    if SMOKE:
        points = [(0, 1, 16)]
    for rate, threads, ring in points:
        name = (f"{threads} thread{'s' if threads > 1 else ''}, "
                f"{'unpaced' if not rate else f'{rate // 1000}k/s each'}, ring {ring} MiB")
        got, lost, prod = [], [], []
        for _ in range(REPS):
            d, p = optrace_json([TARGET, "rate", str(n), str(rate), str(threads)],
                                ["--ringbuf-size", str(ring), "--spans", "1000"])
            m = RATE_RE.search(p.stderr)
            got.append(float(m.group(1)) if m else None)
            if d:
                prod.append(d["loss"]["spans_produced"])
                lost.append(d["loss"]["spans_lost"])
            else:
                prod.append(None)
                lost.append(None)
        add("event throughput", name + ": calls/s", got, "/s")
        add("event throughput", name + ": spans lost", lost, "spans",
            f"of {int(statistics.median([x for x in prod if x is not None] or [0]))} produced")
        check(f"throughput {name} measured", all(g is not None for g in got) and
              all(x is not None for x in lost))
        if rate == 0 and threads == 1 and ring == 16:
            check("throughput: no loss at one thread's full probe rate", lost and max(
                x or 0 for x in lost) == 0, str(lost))
    bench_flood()
    # The consumer alone: decode + aggregate on one core.
    n = 2000000 if SMOKE else 20000000
    for pids, ops in ((1, 1), (1, 16), (100, 16)):
        vals = []
        for _ in range(REPS):
            p, _ = run([CONSUMER, "rate", str(n), str(pids), str(ops)])
            m = re.search(r"records_per_s=([0-9.]+)", p.stdout)
            vals.append(float(m.group(1)) / 1e6 if m else None)
        note = "consecutive records of one pair" if pids * ops == 1 else \
            "each record a random pair (cache-cold aggregates)"
        add("consumer alone (decode + aggregate, 1 core)", f"{pids} pid x {ops} ops", vals,
            "M records/s", note)
        check(f"consumer {pids}x{ops} measured", all(v is not None for v in vals))
        if pids * ops == 1:
            # generous bound: the budget is 20 M/s; a smoke run on a busy
            # machine still must not be 4x off
            check("consumer 1x1 >= 5 M records/s", stats(vals)[1] and stats(vals)[1] >= 5,
                  str(vals))


FLOOD_KV = re.compile(r"^(\w+)=([0-9.]+)$", re.M)


def bench_flood():
    """Past what uprobes produce: span records at a syscall tracepoint's rate
    (tests/bench/flood: getppid() in a loop, one record per call, reserved
    and woken as ops.bpf.c does, consumed by optrace's own consumer in the
    same process).  Where loss starts, and that every record is either
    consumed or counted lost."""
    secs = "1" if SMOKE else "2"
    # ring MiB, threads, calls/s per thread (0: unpaced)
    points = [(1, 1, 0)] if SMOKE else [(16, 1, 0), (16, 2, 0), (1, 1, 1000000),
                                        (1, 1, 0), (1, 2, 0)]
    sec = "event throughput past uprobes (syscall tracepoint, optrace's consumer)"
    for ring, threads, rate in points:
        name = (f"{threads} thread{'s' if threads > 1 else ''}, "
                f"{'unpaced' if not rate else f'{rate / 1e6:g} M/s each'}, ring {ring} MiB")
        got, lost, exact = [], [], True
        for _ in range(REPS):
            p, _ = run([FLOOD, FLOOD_OBJ, str(ring), str(threads), secs, str(rate)])
            kv = {k: float(v) for k, v in FLOOD_KV.findall(p.stdout)} if p.returncode == 0 else {}
            if not kv:
                log(f"flood {name}: rc {p.returncode}: {p.stderr[-300:]}")
                got.append(None)
                lost.append(None)
                exact = False
                continue
            got.append(kv["rate"] / 1e6)
            lost.append(100 * kv["lost"] / kv["produced"] if kv["produced"] else None)
            exact = exact and kv["produced"] > 0 and \
                kv["produced"] == kv["consumed"] + kv["lost"]
        add(sec, name + ": records/s", got, "M/s")
        add(sec, name + ": lost", lost, "%")
        check(f"flood {name}: every record consumed or counted lost", exact)


# ---- 4. memory ----

def kib(s, key):
    m = re.search(key + r"=(-?[0-9]+)", s)
    return int(m.group(1)) if m else None


def bench_memory():
    n = 200000 if SMOKE else 2000000
    for pids in (1, 100, 1000):
        vals = []
        for _ in range(max(1, REPS // 2)):
            p, _ = run([CONSUMER, "mem", str(pids), "16", str(max(n, pids * 16 * 50))])
            r = kib(p.stdout, "rss_kib")
            vals.append(r / 1024 if r else None)
        add("memory (consumer, synthetic)", f"{pids} pids x 16 ops: RSS", vals, "MiB")
        check(f"memory {pids}x16 measured", all(vals))
        if pids == 1000 and all(vals):
            check("memory 1000x16 < 1 GiB", max(vals) < 1024, str(vals))
    big = 2 * 10**6 if SMOKE else 5 * 10**7
    p, _ = run([CONSUMER, "mem", "1", "16", str(big)], timeout=600)
    r1, r2 = kib(p.stdout, "rss_kib"), kib(p.stdout, "rss_after_2n_kib")
    add("memory (consumer, synthetic)", f"1 pid x 16 ops after {big:.0e} events: RSS",
        [r1 / 1024 if r1 else None], "MiB")
    add("memory (consumer, synthetic)", f"1 pid x 16 ops after {2 * big:.0e} events: RSS",
        [r2 / 1024 if r2 else None], "MiB")
    check("memory does not grow with events", r1 and r2 and r2 - r1 < 1024,
          f"{r1} -> {r2} KiB")
    # A real run: optrace's own peak RSS (wait4) for 1 pid, small and large event counts.
    for calls in ((20000,) if SMOKE else (100000, 3000000)):
        vals = []
        for _ in range(1 if SMOKE else 3):
            pr = subprocess.Popen([OPTRACE, "trace", "-u", f"{TARGET}:op", "-o", "/dev/null",
                                   "--", TARGET, "loop", str(calls)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, ru = os.wait4(pr.pid, 0)
            pr.returncode = status
            vals.append(ru.ru_maxrss / 1024 if status == 0 else None)
        add("memory (real optrace run, 1 pid x 1 op)", f"peak RSS after {calls:.0e} calls", vals,
            "MiB", "includes the 16 MiB ring buffer mapping as touched")
        check(f"memory real run {calls} measured", all(vals))


# ---- 5. percentile accuracy ----

def bench_accuracy():
    p, _ = run([ACCURACY, "200000" if SMOKE else "2000000"])
    rows = re.findall(r"dist=(\S+) p=(\S+) exact=(\d+) optrace=(\d+) log2=(\d+) "
                      r"optrace_err_pct=(\S+) log2_err_pct=(\S+)", p.stdout)
    for dist, pct, exact, _o, _l, oe, le in rows:
        add("percentile error", f"{dist} p{pct} (exact {int(exact) / 1000:.1f} us): optrace",
            [float(oe)], "%")
        add("percentile error", f"{dist} p{pct}: log2 hist()", [float(le)], "%")
    check("accuracy measured", len(rows) == 6, p.stdout[-200:])
    check("optrace percentile error <= 1%", rows and all(abs(float(r[5])) <= 1.0 for r in rows),
          str([r[5] for r in rows]))


# ---- probe bias (--compensate) ----

def bench_bias():
    """spin(K) costs about K ns untraced: the truth.  The error after
    --compensate is p50 reported minus that (signed: no clamping at 0)."""
    n, k = (20000 if SMOKE else 100000), "1000"
    for label, binpath in (("plain", TARGET), ("endbr64", TARGET_CET)):
        raw, comp, base = [], [], []
        for _ in range(REPS):
            p, _ = run([binpath, "spin", str(n), k])
            base.append(ns_per_call(p))
            for extra, sink in (((), raw), (("--compensate",), comp)):
                d, _ = optrace_json([binpath, "spin", str(n), k], list(extra), "spin")
                v = None
                if d:
                    for o in d.get("ops", []):
                        if o.get("name") == "spin":
                            v = o["latency_ns"]["p50"]
                sink.append(v)
        add(f"probe bias {label}", "spin(1000) untraced (the truth)", base, "ns/call")
        add(f"probe bias {label}", "p50 reported, raw", raw, "ns")
        add(f"probe bias {label}", "p50 reported, --compensate", comp, "ns")
        # Each run against the truth measured just before it: spin's own
        # cost drifts between runs on this VM.
        add(f"probe bias {label}", "--compensate error (p50 - truth of the same run)",
            [c - t if c is not None and t is not None else None for c, t in zip(comp, base)],
            "ns", "budget +-20 ns")
        check(f"bias {label} measured", all(v is not None for v in raw + comp))


# ---- compare: false alarms and the smallest regression detected ----

REGRESS = os.path.abspath(os.path.join(OUT, "targets", "regress"))


def regress_record(path, slowdown, calls):
    p, _ = run([OPTRACE, "record", "-o", path, "-u", f"{REGRESS}:op", "--",
                REGRESS, str(calls), str(slowdown)])
    return p.returncode == 0


def bench_compare():
    """Records of tests/targets/regress, interleaved: pairs of the same build
    (any exit 1 is a false alarm) and pairs where the candidate does N% more
    work per call (exit 1 is a detection), with compare's default rules and
    with --fail-on 'mean>+2%'.  One record a side, as a CI job would."""
    calls = 500 if SMOKE else 3000
    same_pairs = 1 if SMOKE else 12
    slow = ((25, 1),) if SMOKE else ((5, 4), (10, 4), (20, 4))
    d = tempfile.mkdtemp(prefix="optrace-bench-cmp.")
    try:
        def pair(pct):
            b, c = os.path.join(d, "b.optrace"), os.path.join(d, "c.optrace")
            if not (regress_record(b, 0, calls) and regress_record(c, pct, calls)):
                return None, None
            p = run([OPTRACE, "compare", b, c])[0]
            rc_def = p.returncode
            if pct == 0 and rc_def == 1:
                log(f"compare same build: exit 1 (a false alarm):\n{p.stdout[-1500:]}")
            rc_mean = run([OPTRACE, "compare", b, c, "--fail-on", "mean>+2%"])[0].returncode
            return rc_def, rc_mean

        def tally(what, res):
            """Rows for one set of pairs: exit 1 counts under each rule set."""
            for i, rules in enumerate(("default rules", "mean>+2%")):
                add("compare (regress target, one record a side)",
                    f"{what}, {rules}: {'false alarms' if 'same' in what else 'detected'} "
                    f"(exit 1) of {len(res)} pairs", [sum(1 for r in res if r[i] == 1)],
                    "pairs", f"inconclusive {sum(1 for r in res if r[i] == 4)}")

        same = [pair(0) for _ in range(same_pairs)]
        ok = [r for r in same if r[0] is not None]
        check("compare same-build pairs ran", len(ok) == same_pairs and
              all(r[0] in (0, 1, 4) and r[1] in (0, 1, 4) for r in ok), str(same))
        tally("same build", ok)
        for pct, n in slow:
            res = [r for r in (pair(pct) for _ in range(n)) if r[0] is not None]
            check(f"compare +{pct}% pairs ran", len(res) == n, str(res))
            tally(f"+{pct}% work", res)
        # As docs/compare.md recommends for CI: 3 interleaved records a side.
        def triple(pct):
            bs = [os.path.join(d, f"b{i}.optrace") for i in range(3)]
            cs = [os.path.join(d, f"c{i}.optrace") for i in range(3)]
            for b, c in zip(bs, cs):
                if not (regress_record(b, 0, calls) and regress_record(c, pct, calls)):
                    return None
            p = run([OPTRACE, "compare", "--base", *bs, "--current", *cs])[0]
            if p.returncode == 1:
                log(f"compare 3x3 +{pct}%: exit 1:\n{p.stdout[-1500:]}")
            return p.returncode

        for pct, n in ((0, 1 if SMOKE else 6), (10, 0 if SMOKE else 3)):
            if not n:
                continue
            res = [r for r in (triple(pct) for _ in range(n)) if r is not None]
            check(f"compare 3 records a side, +{pct}%, ran", len(res) == n, str(res))
            what = "same build: false alarms" if pct == 0 else f"+{pct}% work: detected"
            add("compare (regress target, 3 records a side, default rules)",
                f"{what} (exit 1) of {len(res)} comparisons",
                [sum(1 for r in res if r == 1)], "comparisons",
                f"inconclusive {sum(1 for r in res if r == 4)}")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def fmt(v):
    if v is None:
        return "n/a"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def print_table(out):
    section = None
    for s, name, vals, unit, note in results:
        if s != section:
            section = s
            out.write(f"\n### {s}\n\n| measure | min | median | unit | runs | note |\n"
                      "|---|---:|---:|---|---|---|\n")
        mn, md = stats(vals or [])
        runs = len([v for v in (vals or []) if v is not None])
        out.write(f"| {name} | {fmt(mn)} | {fmt(md)} | {unit} | {runs} | {note} |\n")


def rows(section, prefix=""):
    """Values of every measure of section whose name starts with prefix."""
    return [(n, [v for v in (vals or []) if v is not None])
            for sec, n, vals, _u, _no in results if sec == section and n.startswith(prefix)]


def print_budgets(out):
    """DESIGN.md's budgets against this run's medians: met, not met, or n/a
    when the measure did not run."""
    def m(section, name):
        r = [v for n, v in rows(section, name) if n == name and v]
        return statistics.median(r[0]) if r else None

    def verdict(v, ok):
        return "n/a" if v is None else ("met" if ok(v) else "**not met**")

    items = []
    for label, sec, name, fmtv, ok in (
            ("optrace <= 1.20x the floor (plain, per-round median)", "overhead plain",
             "optrace/floor (overhead over untraced)", "{:.2f}x", lambda v: v <= 1.20),
            ("optrace below bpftrace (plain)", "overhead plain",
             "optrace/bpftrace (overhead over untraced)", "{:.2f}x", lambda v: v < 1),
            ("endbr64: optrace <= 0.2x bpftrace", "overhead endbr64",
             "optrace/bpftrace (overhead over untraced)", "{:.2f}x", lambda v: v <= 0.2),
            ("attach 1 probe <= 20 ms", "start to attached", "optrace 1 probe", "{:.0f} ms",
             lambda v: v <= 20),
            ("attach 50 probes <= 100 ms", "start to attached", "optrace 50 probes",
             "{:.0f} ms", lambda v: v <= 100),
            ("exit with 50 probes <= 300 ms", "stop (SIGINT) to exit", "optrace 50 probes",
             "{:.0f} ms", lambda v: v <= 300),
            ("consumer >= 20 M records/s (one pair)", "consumer alone (decode + aggregate, 1 core)",
             "1 pid x 1 ops", "{:.1f} M/s", lambda v: v >= 20)):
        v = m(sec, name)
        items.append((label, "n/a" if v is None else fmtv.format(v), verdict(v, ok)))
    lost = rows("event throughput", "1 thread, unpaced, ring 16 MiB: spans lost")
    v = max(lost[0][1]) if lost and lost[0][1] else None
    items.append(("zero loss at one thread's full probe rate",
                  "n/a" if v is None else f"{v:.0f} lost", verdict(v, lambda x: x == 0)))
    mem = [statistics.median(v) for _n, v in rows("memory (consumer, synthetic)",
                                                   "1 pid x 16 ops after") if v]
    v = mem[-1] - mem[0] if len(mem) == 2 else None
    items.append(("memory does not grow with events (2x the events)",
                  "n/a" if v is None else f"{v:+.2f} MiB", verdict(v, lambda x: x < 1)))
    err = [abs(x) for n, vals in rows("percentile error") if n.endswith(": optrace")
           for x in vals]
    v = max(err) if err else None
    items.append(("percentile error <= 1%", "n/a" if v is None else f"{v:.2f}% at most",
                  verdict(v, lambda x: x <= 1)))
    for label in ("plain", "endbr64"):
        b = rows(f"probe bias {label}", "--compensate error")
        v = statistics.median(b[0][1]) if b and b[0][1] else None
        items.append((f"bias after --compensate within +-20 ns ({label}, median)",
                      "n/a" if v is None else f"{v:+.0f} ns", verdict(v, lambda x: abs(x) <= 20)))
    out.write("\n### budgets (DESIGN.md), this run's medians\n\n| budget | measured | verdict |\n"
              "|---|---|---|\n")
    for label, val, verd in items:
        out.write(f"| {label} | {val} | {verd} |\n")


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    bt = subprocess.run([BPFTRACE, "--version"], capture_output=True, text=True).stdout.strip() \
        if BPFTRACE else "not installed"
    return (f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, kernel {platform.release()}, "
            f"{os.cpu_count()} CPUs ({cpu}), {bt}")


def main():
    if os.geteuid() != 0:
        print("bench: needs root (BPF)", file=sys.stderr)
        if SMOKE:
            print("bench-smoke: 0 passed, 1 failed")
        return 1
    for f in (OPTRACE, TARGET, TARGET_CET, FLOOR, FLOOR_OBJ, CONSUMER, ACCURACY, REGRESS):
        if not os.path.exists(f):
            print(f"bench: {f} missing: run `make bench-bins`", file=sys.stderr)
            if SMOKE:
                print("bench-smoke: 0 passed, 1 failed")
            return 1
    only = None
    if "--only" in sys.argv:
        only = sys.argv[sys.argv.index("--only") + 1].split(",")
    t0 = time.monotonic()
    for name, fn in (("overhead", bench_overhead), ("startup", bench_startup),
                     ("throughput", bench_throughput), ("memory", bench_memory),
                     ("accuracy", bench_accuracy), ("bias", bench_bias),
                     ("compare", bench_compare)):
        if only and name not in only:
            continue
        log(f"bench: {name}...")
        try:
            fn()
        except Exception as e:  # a crashed measure is a failed check, not a traceback
            check(f"{name} ran", False, repr(e))
    print(f"# optrace benchmarks ({'smoke' if SMOKE else f'{REPS} runs each'}), {machine()}")
    print_table(sys.stdout)
    if not SMOKE:
        print_budgets(sys.stdout)
    npass = sum(1 for c in checks if c[1])
    nfail = len(checks) - npass
    print(f"\n({time.monotonic() - t0:.0f} s)")
    if SMOKE:
        for name, ok, detail in checks:
            if not ok:
                print(f"FAIL {name}: {detail}")
        print(f"bench-smoke: {npass} passed, {nfail} failed")
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
