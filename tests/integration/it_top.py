# optrace top (issue 7): the ncurses view driven in a detached tmux on a
# private socket (send-keys, capture-pane), and the plain-text mode when
# stdout is a pipe.  Exec'd in run.py's namespace (run(), spawn(),
# start_target(), check(), Fail, Skip, TMP, WORKLOAD, probe(), @bpf ...);
# this file's own names start with _top/TOP_ so that other it_*.py files
# cannot shadow them.
import re as _top_re

TOP_TMUX = shutil.which("tmux") or "/usr/bin/tmux"
TOP_PROBES = probe("op_*")
TOP_BAR = r"[CRIO.]{10,}"  # the time-split bar: C cpu, R runq, I io, O other, . unknown


def _top_tmux(sock, *args):
    r = run([TOP_TMUX, "-L", sock] + list(args), timeout=10)
    check(r.returncode == 0, "tmux %s: rc %d: %s" % (args[0], r.returncode, r.stderr.strip()))
    return r.stdout


def _top_capture(sock):
    return _top_tmux(sock, "capture-pane", "-p", "-t", "top")


def _top_wait_screen(sock, want, timeout, what):
    """Polls capture-pane until want(screen) is true; returns the screen."""
    deadline, screen = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        screen = _top_capture(sock)
        if want(screen):
            return screen
        time.sleep(0.2)
    raise Fail("%s: not within %ss; the screen:\n%s" % (what, timeout, screen.rstrip()))


def _top_rows(pid):
    """Regexes of the process row and of op_sleep's row with its time-split bar."""
    return (_top_re.compile(r"^\s*%d workload\s+\S" % pid, _top_re.M),
            _top_re.compile(r"^\s+op_sleep\s+\d+\s.*\s%s\s*$" % TOP_BAR, _top_re.M))


@bpf
def test_top_tmux_keys_and_quit():
    if not os.access(TOP_TMUX, os.X_OK):
        raise Skip("tmux not installed")
    tp, pid = start_target("loop", 0, 1)
    sock = "optrace-it-top-%d" % os.getpid()
    cmd = "'%s' top -p %d -u '%s'; echo EXIT=$?; sleep 30" % (OPTRACE, pid, TOP_PROBES)
    try:
        _top_tmux(sock, "new-session", "-d", "-s", "top", "-x", "140", "-y", "40", "-c", ROOT,
                  "sh", "-c", cmd)
        _top_tmux(sock, "set-option", "-t", "top", "remain-on-exit", "on")
        proc_row, op_row = _top_rows(pid)

        def ready(s):
            check("EXIT=" not in s, "optrace top exited early:\n%s" % s.rstrip())
            return s.startswith("optrace top - ") and proc_row.search(s) and op_row.search(s)
        screen = _top_wait_screen(sock, ready, 20, "header, pid %d row and op_sleep's bar" % pid)
        head = screen.splitlines()[0]
        check("sort: cpu" in head and "1 processes" in head, "header: %r" % head)
        check(_top_re.search(r"^ q quit .*h help", screen, _top_re.M), "no help line")
        check(_top_tmux(sock, "display", "-p", "-t", "top", "#{alternate_on}").strip() == "1",
              "top is not on the alternate screen")

        # 'p' sorts by p99 at once (without waiting for the next tick)
        _top_tmux(sock, "send-keys", "-t", "top", "p")
        _top_wait_screen(sock, lambda s: "sort: p99" in s.splitlines()[0], 5, "sort: p99")
        _top_tmux(sock, "send-keys", "-t", "top", "n")
        _top_wait_screen(sock, lambda s: "sort: name" in s.splitlines()[0], 5, "sort: name")

        # 'q' quits with 0 and gives the terminal back: the main screen, the
        # cursor shown, nothing of the view left on it.
        _top_tmux(sock, "send-keys", "-t", "top", "q")
        screen = _top_wait_screen(sock, lambda s: "EXIT=" in s, 10, "optrace top exits on q")
        check(_top_re.search(r"^EXIT=0$", screen, _top_re.M), "exit status: %r" % screen.strip())
        check("optrace top -" not in screen and "q quit" not in screen and
              "op_sleep" not in screen, "the view is left on the terminal:\n%s" % screen.rstrip())
        state = _top_tmux(sock, "display", "-p", "-t", "top",
                          "#{alternate_on} #{cursor_flag}").split()
        check(state == ["0", "1"], "terminal not restored: alternate_on %s, cursor_flag %s"
              % tuple(state))
        check(alive(pid), "the traced target died with optrace top")
    finally:
        run([TOP_TMUX, "-L", sock, "kill-server"], timeout=10)


@bpf
def test_top_plain_when_piped():
    tp, pid = start_target("loop", 0, 1)
    t0 = time.monotonic()
    # stdout is a pipe (| cat): plain text blocks; the status goes to stderr
    r = run(["sh", "-c", '{ "$0" top -p "$1" -u "$2" -i 1 -d 3; echo EXIT=$? >&2; } | cat',
             OPTRACE, pid, TOP_PROBES], timeout=30)
    took = time.monotonic() - t0
    check("EXIT=0" in r.stderr, "optrace top -d 3 | cat: %s" % r.stderr.strip()[-500:])
    check(took < 20, "optrace top -d 3 took %.1f s" % took)
    check("\x1b" not in r.stdout and "\r" not in r.stdout,
          "escape sequences in the plain output: %r" % r.stdout[:300])
    blocks = [b for b in r.stdout.split("\n\n") if b.strip()]
    check(2 <= len(blocks) <= 4, "%d blocks in 3 s at -i 1:\n%s" % (len(blocks), r.stdout))
    proc_row, op_row = _top_rows(pid)
    for b in blocks:
        lines = b.strip("\n").splitlines()
        check(lines[0].startswith("optrace top - "), "block starts with %r" % lines[0])
        check(proc_row.search(b) and _top_re.search(r"^\s+op_sleep\s+\d+", b, _top_re.M),
              "block without the pid %d row or op_sleep:\n%s" % (pid, b))
        check(all(len(line) <= 120 for line in lines), "a line longer than 120 characters")
    check(any(op_row.search(b) for b in blocks), "no op_sleep time-split bar:\n%s" % r.stdout)
    check(alive(pid), "the traced target died with optrace top")
