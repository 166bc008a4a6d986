# Fault matrix (issue 9): what optrace does when the world misbehaves around
# it.  Exec'd into run.py's namespace (its helpers: run, spawn, trace,
# trace_live, stop_live, start_target, probe, check, Fail, Skip, TMP,
# WORKLOAD, @bpf).  docs/reliability.md has the table of faults and tests.

def _flt_record_live(pid, probes, name, extra=()):
    """optrace record -p pid in the background; returns (proc, record path)."""
    path = os.path.join(TMP, name)
    args = [OPTRACE, "record", "-o", path, "-p", str(pid)]
    args += [a for u in probes for a in ("-u", u)] + list(extra)
    p = spawn(args)
    try:
        read_line(p, "Tracing ", ATTACH_WAIT, "stderr")
    except Fail:
        pass
    check(p.poll() is None, "optrace record exited early (%s): %s" % (p.returncode, stderr_of(p)))
    return p, path


def _flt_report(path):
    """optrace report PATH -f json: the record must read back, final."""
    r = run([OPTRACE, "report", path, "-f", "json"])
    check(r.returncode == 0, "optrace report %s exited %d: %s"
          % (path, r.returncode, r.stderr.strip()))
    return final(parse_docs(r.stdout))


@bpf
def test_fault_target_exits_mid_operation():
    # SIGTERM's default action ends the target inside op_sleep (50 ms of
    # each 50 ms): the op's entry has no return.  optrace must not count it,
    # must not mis-pair it, and must go on with the other target.
    a, apid = start_target("loop", 0, 50)
    _, bpid = start_target("loop", 0, 1)
    p, out = trace_live([apid, bpid], [probe("op_sleep")])
    time.sleep(1.2)
    os.kill(apid, signal.SIGTERM)
    wait_exit(a, 5, "target after SIGTERM")
    time.sleep(0.8)
    doc = stop_live(p, out)
    per_pid = {o["pid"]: o for o in ops(doc, "op_sleep")}
    check(apid in per_pid and bpid in per_pid, "op_sleep pids %s" % sorted(per_pid))
    oa = per_pid[apid]
    # ~24 calls of 50 ms in 1.2 s; none shorter than the sleep, none longer
    # than the run (a dangling entry paired with a later exit would be).
    check(10 <= oa["calls"] <= 30, "exited target: %d op_sleep calls" % oa["calls"])
    lat = oa["latency_ns"]
    check(lat["min"] >= 50e6 and lat["max"] < 200e6,
          "exited target: op_sleep min %d max %d ns" % (lat["min"], lat["max"]))
    check(per_pid[bpid]["calls"] > 500, "other target: %d calls" % per_pid[bpid]["calls"])
    check({e["pid"]: e for e in doc["pids"]}[apid]["exited"] is True, "exit not seen")
    loss = doc["loss"]
    check(loss["spans_lost"] == 0 and loss["bad_records"] == 0, "loss: %s" % loss)


@bpf
def test_fault_command_killed_sigkill():
    # The command optrace started is SIGKILLed: optrace ends with a final
    # report and passes the death on as a non-zero exit status.
    out = out_file()
    p = spawn(optrace_args([probe("op_sleep")], cmd=[WORKLOAD, "loop", 0, 1], output=out))
    pid = int(read_line(p, "ready pid=", 10).split("=")[1])
    time.sleep(1)
    os.kill(pid, signal.SIGKILL)
    rc = wait_exit(p, 10, "optrace after its command was killed")
    check(rc != 0, "optrace exited 0 after its command was SIGKILLed")
    doc = final(read_report(out))
    check(calls(doc, "op_sleep") > 100, "op_sleep calls %d" % calls(doc, "op_sleep"))


@bpf
def test_fault_target_execs():
    # The traced process execs another binary: its tgid stays traced.
    # `sh -c 'W count 1000 && exec W count 500'`: a child (followed) and then
    # the shell itself turned into the workload.
    cmd = ["sh", "-c", "%s count 1000 && exec %s count 500" % (WORKLOAD, WORKLOAD)]
    docs, _, _ = trace([probe("op_fast")], cmd)
    doc = final(docs)
    per_pid = sorted(o["calls"] for o in ops(doc, "op_fast"))
    check(per_pid == [500, 1000], "op_fast calls per pid %s, want [500, 1000]" % per_pid)
    # Without --follow only the exec'd shell is traced.
    docs, _, _ = trace([probe("op_fast")], ["sh", "-c", "exec %s count 700" % WORKLOAD],
                       ["--no-follow"])
    check(calls(final(docs), "op_fast") == 700, "exec without fork: %d calls"
          % calls(final(docs), "op_fast"))


@bpf
def test_fault_follow_thousands_of_children():
    # 2000 short-lived children, 10 calls each: every call counted, every
    # child seen (or, if tables are full, the loss said out loud).
    docs, me, r = trace([probe("op_fast")], [WORKLOAD, "fork", 2000, 10])
    doc = final(docs)
    loss = doc["loss"]
    n = calls(doc, "op_fast")
    if n != 20000:
        check(any(v for k, v in loss.items() if k != "spans_produced" and v),
              "op_fast calls %d of 20000 and no loss reported: %s" % (n, loss))
    check(n == 20000, "op_fast calls %d of 20000 (loss %s)" % (n, loss))
    kids = {o["pid"] for o in ops(doc, "op_fast") if o["calls"]}
    check(len(kids) == 2000, "op_fast seen in %d children of 2000" % len(kids))
    check(loss["spans_lost"] == 0 and loss["bad_records"] == 0, "loss: %s" % loss)


def _flt_record_stop(sig):
    tp, pid = start_target("loop", 0, 1)
    p, path = _flt_record_live(pid, [probe("op_sleep")], "sig-%s.optrace" % sig.name)
    time.sleep(1.5)
    p.send_signal(sig)
    rc = wait_exit(p, 15, "optrace record after %s" % sig.name)
    err = stderr_of(p)
    check(rc == 0, "optrace record exited %d after %s: %s" % (rc, sig.name, err))
    check("wrote " in err, "no 'wrote' line after %s: %s" % (sig.name, err))
    check(not [f for f in os.listdir(TMP) if f.startswith(".sig-")],
          "temporary files left: %s" % os.listdir(TMP))
    doc = _flt_report(path)
    check(calls(doc, "op_sleep") > 100, "record after %s: %d op_sleep calls"
          % (sig.name, calls(doc, "op_sleep")))
    check(alive(pid), "target died when optrace got %s" % sig.name)


for _sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # test_fault_record_sigint, ...
    _fn = bpf(lambda sig=_sig: _flt_record_stop(sig))
    _fn.__name__ = "test_fault_record_" + _sig.name.lower()
    globals()[_fn.__name__] = _fn


@bpf
def test_fault_ringbuf_overflow_counted_exactly():
    # A 1 MiB ring whose consumer is stopped (SIGSTOP) while the target
    # makes 60000 calls: the ring fills and the rest cannot be reserved.
    # Every span is counted on the BPF side, so exactly:
    # produced = the target's calls, and produced - lost = calls reported.
    n, bursts = 60000, 2
    tp, pid = start_target("burst", n)
    p, out = trace_live([pid], [probe("op_fast")], ["--ringbuf-size", "1"])
    for i in range(bursts):
        wait_paused(pid)
        if i == 0:
            p.send_signal(signal.SIGSTOP)
        tp.send_signal(signal.SIGUSR1)
        try:
            read_line(tp, "burst=", 60)
        finally:
            p.send_signal(signal.SIGCONT)
    time.sleep(0.5)
    doc = stop_live(p, out)
    loss, got = doc["loss"], calls(doc, "op_fast")
    check(loss["spans_produced"] == bursts * n,
          "spans_produced %d, the target made %d calls" % (loss["spans_produced"], bursts * n))
    check(loss["spans_lost"] > 0, "a stopped consumer and a 1 MiB ring lost nothing: %s" % loss)
    check(loss["spans_produced"] - loss["spans_lost"] == got,
          "produced %d - lost %d != %d calls reported"
          % (loss["spans_produced"], loss["spans_lost"], got))
    check(got >= n, "the second burst (consumer running) was not all delivered: %d" % got)


def _flt_tmpfs(name, size="64k"):
    d = os.path.join(TMP, name)
    os.makedirs(d, exist_ok=True)
    r = run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", d])
    if r.returncode:
        raise Skip("cannot mount a tmpfs: %s" % r.stderr.strip())
    return d


def _flt_fill(d):
    """Fills d's filesystem to the last byte."""
    fd = os.open(os.path.join(d, "filler"), os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while os.write(fd, b"\0" * 4096) > 0:
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


@bpf
def test_fault_disk_full_record():
    d = _flt_tmpfs("full")
    try:
        path = os.path.join(d, "run.optrace")
        with open(path, "w") as f:
            f.write("precious")
        _flt_fill(d)
        r = run([OPTRACE, "record", "-o", path, "-u", probe("op_err"), "--",
                 WORKLOAD, "errors", 3000])
        check(r.returncode != 0, "record on a full disk exited 0: %s" % r.stderr.strip())
        check("space" in r.stderr.lower(), "no clear disk-full message: %r" % r.stderr)
        check(open(path).read() == "precious", "the existing record was changed")
        left = sorted(set(os.listdir(d)) - {"run.optrace", "filler"})
        check(not left, "files left on the full disk: %s" % left)
        # The same for trace -o: a report that cannot be written is an error.
        out = os.path.join(d, "report.json")
        r = run(optrace_args([probe("op_err")], cmd=[WORKLOAD, "errors", 3000], output=out))
        check(r.returncode != 0, "trace -o on a full disk exited 0: %s" % r.stderr.strip())
        check("space" in r.stderr.lower(), "no clear disk-full message: %r" % r.stderr)
    finally:
        run(["umount", "-l", d])


@bpf
def test_fault_unreadable_proc():
    # Root reads any /proc file, so this drops CAP_DAC_OVERRIDE and
    # CAP_DAC_READ_SEARCH and, in a private mount namespace, puts mode-000
    # files over the target's /proc entries and the system's: optrace must
    # still trace and report (resources missing, not a crash).
    if not (shutil.which("unshare") and shutil.which("setpriv")):
        raise Skip("needs unshare and setpriv (util-linux)")
    tp, pid = start_target("loop", 0, 1)
    blank = os.path.join(TMP, "blank")
    open(blank, "w").close()
    os.chmod(blank, 0)
    targets = ["/proc/%d/%s" % (pid, n) for n in ("stat", "status", "io", "statm", "sched")]
    targets += ["/proc/stat", "/proc/meminfo", "/proc/loadavg"]
    mounts = " && ".join("mount --bind %s %s" % (blank, t) for t in targets)
    out = out_file()
    inner = optrace_args([probe("op_sleep")], pids=[pid], extra=["-d", "2", "-i", "500ms"],
                         output=out)
    cmd = ("%s && exec setpriv --inh-caps=-dac_override,-dac_read_search "
           "--bounding-set=-dac_override,-dac_read_search -- %s"
           % (mounts, " ".join(shlex_quote(a) for a in inner)))
    r = run(["unshare", "-m", "--propagation", "private", "sh", "-c", cmd])
    if r.returncode and "mount" in r.stderr and "optrace" not in r.stderr:
        raise Skip("cannot bind-mount over /proc here: %s" % r.stderr.strip()[:200])
    check(r.returncode == 0, "optrace with unreadable /proc exited %d: %s"
          % (r.returncode, r.stderr.strip()[-600:]))
    doc = final(read_report(out))
    check(calls(doc, "op_sleep") > 100, "op_sleep calls %d" % calls(doc, "op_sleep"))


def shlex_quote(s):
    import shlex
    return shlex.quote(str(s))


@bpf
def test_fault_binary_replaced_while_traced():
    # `mv new old` while old runs: the running process keeps the old inode,
    # the probes stay on it; optrace keeps counting and reports.
    wl = os.path.join(TMP, "wl-replaced")
    shutil.copy(WORKLOAD, wl)
    tp, pid = start_target("loop", 0, 1, prog=wl)
    p, out = trace_live([pid], ["%s:op_sleep" % wl], ["-i", "500ms"])
    time.sleep(1)
    new = wl + ".new"
    shutil.copy("/bin/true", new)
    os.rename(new, wl)
    time.sleep(1.6)
    check(p.poll() is None, "optrace exited after the binary was replaced: %s" % stderr_of(p))
    p.send_signal(signal.SIGINT)
    rc = wait_exit(p, 10, "optrace after SIGINT")
    check(rc == 0, "optrace exited %d: %s" % (rc, stderr_of(p)))
    docs = read_report(out)
    check(docs[-1]["meta"]["kind"] == "final", "no final report")
    late = [d for d in docs[:-1] if d["meta"]["kind"] != "final"][-2:]
    check(late and all(sum(o["calls"] for o in d["ops"]) > 50 for d in late),
          "calls in the last intervals after the replace: %s"
          % [sum(o["calls"] for o in d["ops"]) for d in late])
    check(calls(docs[-1], "op_sleep") > 500, "op_sleep calls %d" % calls(docs[-1], "op_sleep"))


@bpf
def test_fault_thread_map_full_counted():
    # 6 threads, room for 3: calls of threads without a slot are not timed,
    # and every one of them is counted, so timed + not timed = all calls.
    docs, target, _ = trace([probe("op_fast")], [WORKLOAD, "threads", 6, 2000],
                            ["--max-threads", "3"])
    doc = final(docs)
    timed = calls(doc, "op_fast")
    full = doc["loss"]["threads_full"]
    check(full > 0, "6 threads in a 3-thread map: threads_full is 0")
    check(timed + full == target["calls"] == 12000,
          "timed %d + not timed %d != %s calls" % (timed, full, target["calls"]))
    text, _, _ = trace([probe("op_fast")], [WORKLOAD, "threads", 6, 2000],
                       ["--max-threads", "3"], fmt="text")
    check("calls not timed (threads full)" in text, "the text report does not say it")


@bpf
def test_fault_pid_reuse_not_traced():
    # A followed child exits; an unrelated process then gets its pid
    # (ns_last_pid): it must not be recorded as the traced child.
    sh = "%s count 100 & echo child=$!; wait; sleep 2" % shlex_quote(WORKLOAD)
    out = out_file()
    p = spawn([OPTRACE, "trace", "-f", "json", "-o", out, "-u", probe("op_fast"),
               "--", "sh", "-c", sh])
    child = int(read_line(p, "child=", 10).split("=")[1])
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.01)
    reused = None
    for _ in range(20):
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(child - 1))
        q = subprocess.Popen([WORKLOAD, "count", "500"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        q.wait(timeout=10)
        if q.pid == child:
            reused = q.pid
            break
    wait_exit(p, 20, "optrace")
    if reused is None:
        raise Skip("could not get pid %d again through ns_last_pid" % child)
    doc = final(read_report(out))
    mine = [o for o in ops(doc, "op_fast") if o["pid"] == child]
    check(sum(o["calls"] for o in mine) == 100,
          "pid %d: %s calls, want the first process's 100 (the reuse was recorded)"
          % (child, [o["calls"] for o in mine]))
