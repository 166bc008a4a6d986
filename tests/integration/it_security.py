# Security properties (issue 9): config file permissions, the exporter's
# default address, no symlink following for files optrace creates, no user
# string given to a shell, and the in-kernel tgid filter.  Exec'd into
# run.py's namespace; helpers prefixed _sec.  docs/reliability.md lists them.

_SEC_PRECIOUS = "precious contents\n"


def _sec_config(name, mode, text="[thresholds]\nmin_calls = 5\n"):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


@bpf
def test_security_config_writable_by_others_refused():
    if os.geteuid() != 0:
        raise Skip("the rule applies to root")
    for mode in (0o666, 0o620, 0o602):
        path = _sec_config("cfg-%o.ini" % mode, mode)
        r = run(optrace_args([probe("op_fast")], cmd=[WORKLOAD, "count", 10],
                             extra=["-c", path], output=out_file()))
        check(r.returncode == 2, "config mode %o: exit %d, want 2: %s"
              % (mode, r.returncode, r.stderr.strip()))
        check("writable" in r.stderr and path in r.stderr,
              "config mode %o: no clear message: %r" % (mode, r.stderr))
    # Owned by another user: refused too.
    path = _sec_config("cfg-owner.ini", 0o600)
    os.chown(path, 65534, 65534)
    r = run(optrace_args([probe("op_fast")], cmd=[WORKLOAD, "count", 10], extra=["-c", path],
                         output=out_file()))
    check(r.returncode == 2, "config owned by uid 65534: exit %d: %s"
          % (r.returncode, r.stderr.strip()))
    # 0600 and 0644, owned by root: accepted.
    for mode in (0o600, 0o644):
        path = _sec_config("cfg-ok-%o.ini" % mode, mode)
        r = run(optrace_args([probe("op_fast")], cmd=[WORKLOAD, "count", 10],
                             extra=["-c", path], output=out_file()))
        check(r.returncode == 0, "config mode %o refused: %s" % (mode, r.stderr.strip()))


def _sec_listeners(pid):
    """(address, port) pairs of TCP sockets in LISTEN that pid owns."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    found = []
    for table, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            lines = open(table).read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            f = line.split()
            if f[3] != "0A" or f[9] not in inodes:  # 0A: TCP_LISTEN
                continue
            addr, port = f[1].split(":")
            if v6:
                ip = ":".join(addr[i:i + 8] for i in range(0, 32, 8))
            else:
                ip = ".".join(str(int(addr[i:i + 2], 16)) for i in (6, 4, 2, 0))
            found.append((ip, int(port, 16)))
    return found


@bpf
def test_security_serve_binds_loopback_by_default():
    _, pid = start_target("loop", 0, 1)
    p = spawn([OPTRACE, "serve", "-p", pid, "-u", probe("op_sleep")])
    deadline, found = time.monotonic() + 10, []
    while time.monotonic() < deadline and not found:
        check(p.poll() is None, "optrace serve exited %s: %s" % (p.returncode, stderr_of(p)))
        found = _sec_listeners(p.pid)
        time.sleep(0.1)
    check(found, "optrace serve listens nowhere after 10 s")
    check(found == [("127.0.0.1", 9464)],
          "optrace serve listens on %s, want only 127.0.0.1:9464" % found)


def _sec_symlinks(name):
    """A victim file with known contents, a symlink to it, and a dangling
    symlink to a path that must not come into existence."""
    victim = os.path.join(TMP, name + "-victim")
    with open(victim, "w") as f:
        f.write(_SEC_PRECIOUS)
    link = os.path.join(TMP, name + "-link")
    dangling = os.path.join(TMP, name + "-dangling")
    nowhere = os.path.join(TMP, name + "-created-through-link")
    for src, dst in ((victim, link), (nowhere, dangling)):
        if os.path.lexists(dst):
            os.unlink(dst)
        os.symlink(src, dst)
    return victim, link, dangling, nowhere


def _sec_untouched(victim, nowhere, what):
    check(open(victim).read() == _SEC_PRECIOUS, "%s wrote through a symlink to %s"
          % (what, victim))
    check(not os.path.exists(nowhere), "%s created %s through a dangling symlink"
          % (what, nowhere))


@bpf
def test_security_output_refuses_symlinks():
    victim, link, dangling, nowhere = _sec_symlinks("out")
    for path in (link, dangling):
        r = run(optrace_args([probe("op_fast")], cmd=[WORKLOAD, "count", 10], output=path))
        _sec_untouched(victim, nowhere, "trace -o")
        check(r.returncode != 0, "trace -o %s (a symlink) exited 0" % path)
        check(os.path.islink(path), "trace -o replaced the symlink %s" % path)


@bpf
def test_security_record_refuses_symlinks():
    victim, link, dangling, nowhere = _sec_symlinks("rec")
    for path in (link, dangling):
        r = run([OPTRACE, "record", "-o", path, "-u", probe("op_fast"), "--",
                 WORKLOAD, "count", 10])
        _sec_untouched(victim, nowhere, "record -o")
        # Refusing is right; so is replacing the link itself by rename(2)
        # (the link, not what it points to, becomes the record).
        if r.returncode == 0:
            check(not os.path.islink(path), "record -o %s: exit 0 but the link is still "
                  "there" % path)
    # optrace report -o and compare -o write files too.
    rec = os.path.join(TMP, "sec-ok.optrace")
    check(run([OPTRACE, "record", "-o", rec, "-u", probe("op_fast"), "--",
               WORKLOAD, "count", 10]).returncode == 0, "record failed")
    victim, link, dangling, nowhere = _sec_symlinks("rep")
    for path in (link, dangling):
        r = run([OPTRACE, "report", rec, "-f", "json", "-o", path])
        _sec_untouched(victim, nowhere, "report -o")
        check(r.returncode != 0, "report -o %s (a symlink) exited 0" % path)


@bpf
def test_security_alert_log_refuses_symlinks():
    cfg = _sec_config("sec-alert.ini", 0o600, "[alert \"always\"]\nmetric = throughput\n"
                      "op = op_sleep\ncondition = >= 0/s\n")
    victim, link, dangling, nowhere = _sec_symlinks("alert")
    for path in (link, dangling):
        r = run(optrace_args([probe("op_sleep")], cmd=[WORKLOAD, "sleep", 150, 10],
                             extra=["-c", cfg, "--alert-log", path], output=out_file()))
        _sec_untouched(victim, nowhere, "--alert-log")
        check(r.returncode != 0, "--alert-log %s (a symlink) exited 0" % path)
    # The same config with a plain file does log (so the test above means something).
    plain = os.path.join(TMP, "alert-plain.jsonl")
    r = run(optrace_args([probe("op_sleep")], cmd=[WORKLOAD, "sleep", 150, 10],
                         extra=["-c", cfg, "--alert-log", plain], output=out_file()))
    check(os.path.exists(plain) and open(plain).read().strip(),
          "the alert never fired into a plain --alert-log (exit %d): %s"
          % (r.returncode, r.stderr.strip()[-300:]))


@bpf
def test_security_no_shell():
    pwned = [os.path.join(TMP, "pwned%d" % i) for i in range(4)]
    # A probe spec is a path and a name, never a command line.
    for i, spec in enumerate(["%s:op_fast;touch %s" % (WORKLOAD, pwned[0]),
                              "%s:op_fast$(touch %s)" % (WORKLOAD, pwned[1]),
                              "%s`touch %s`:op_fast" % (WORKLOAD, pwned[2])]):
        r = run(optrace_args([spec], cmd=[WORKLOAD, "count", 10], output=out_file()))
        check(r.returncode == 2, "probe %r: exit %d, want 2: %s"
              % (spec, r.returncode, r.stderr.strip()))
    # The command's arguments reach it as they are (exec, no sh -c).
    arg = "10;touch %s" % pwned[3]
    docs, me, r = trace([probe("op_fast")], [WORKLOAD, "count", arg])
    check(me.get("calls") == 10, "workload got %r, not the literal argument" % r.stdout)
    # An output name with shell syntax is a file name.
    odd = os.path.join(TMP, "out;touch $(echo x)`id`.json")
    r = run(optrace_args([probe("op_fast")], cmd=[WORKLOAD, "count", 10], output=odd))
    check(r.returncode == 0 and os.path.exists(odd), "-o %r: exit %d: %s"
          % (odd, r.returncode, r.stderr.strip()))
    made = [p for p in pwned if os.path.exists(p)]
    check(not made, "a shell ran user text: %s exist" % made)


@bpf
def test_security_records_only_asked_tgids():
    # Two processes of the same binary call the same function; optrace -p A
    # must count A's calls only: the filter is in the kernel.
    a, apid = start_target("burst", 20000)
    b, bpid = start_target("burst", 30000)
    p, out = trace_live([apid], [probe("op_fast")])
    for tp, pid in ((a, apid), (b, bpid)):
        wait_paused(pid)
        tp.send_signal(signal.SIGUSR1)
        read_line(tp, "burst=", 30)
    doc = stop_live(p, out)
    per_pid = {o["pid"]: o["calls"] for o in ops(doc, "op_fast")}
    check(per_pid == {apid: 20000}, "op_fast per pid %s, want {%d: 20000}" % (per_pid, apid))
    check(doc["loss"]["spans_produced"] == 20000,
          "the BPF side produced %d spans: the other process's calls got in"
          % doc["loss"]["spans_produced"])
    check({e["pid"] for e in doc["pids"]} == {apid}, "pids %s" % doc["pids"])
    # A shared library function: both processes sleep in libc's
    # clock_nanosleep; only A's calls are recorded.
    _, cpid = start_target("loop", 0, 1)
    _, dpid = start_target("loop", 0, 1)
    p, out = trace_live([cpid], ["libc:clock_nanosleep"])
    time.sleep(1)
    doc = stop_live(p, out)
    pids = {o["pid"] for o in doc["ops"] if o["calls"]}
    check(pids == {cpid}, "libc clock_nanosleep recorded for pids %s, want {%d}" % (pids, cpid))
