# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# it_stripped.py - stripped binaries: symbols from a debug file found
# through .gnu_debuglink, from a .gnu_debugdata section (MiniDebugInfo, made
# as Fedora does: objcopy + xz), and the error when there is neither.
# Fixtures are stripped copies of the workload made with binutils and xz.
# exec'd inside run.py's namespace: run, trace, check, bpf, TMP, ROOT...


def _strip_sh(cmd):
    r = subprocess.run(cmd, shell=True, cwd=TMP, capture_output=True, text=True)
    if r.returncode:
        raise Skip("fixture: %s: %s" % (cmd, r.stderr.strip()))


def _strip_fixtures():
    """(debuglink copy, debugdata copy, bare copy) of the workload, made once."""
    if getattr(_strip_fixtures, "made", None):
        return _strip_fixtures.made
    for tool in ("strip", "objcopy", "nm", "xz"):
        if not shutil.which(tool):
            raise Skip("%s not installed" % tool)
    d = os.path.join(TMP, "stripped")
    os.makedirs(os.path.join(d, "link"), exist_ok=True)
    os.makedirs(os.path.join(d, "mini"), exist_ok=True)
    os.makedirs(os.path.join(d, "bare"), exist_ok=True)
    w = WORKLOAD
    _strip_sh("objcopy --only-keep-debug %s stripped/link/wl.debug && "
              "strip -o stripped/link/wl %s && "
              "objcopy --add-gnu-debuglink=stripped/link/wl.debug stripped/link/wl" % (w, w))
    # Fedora's MiniDebugInfo: the function symbols .dynsym lacks, in an xz'd ELF.
    _strip_sh("nm -D %s --format=posix --defined-only | awk '{print $1}' | sort > stripped/dyn && "
              "nm %s --format=posix --defined-only | awk '$2 == \"T\" || $2 == \"t\" {print $1}'"
              " | sort > stripped/funcs && comm -13 stripped/dyn stripped/funcs > stripped/keep && "
              "objcopy --only-keep-debug %s stripped/mini.dbg && "
              "objcopy -S --remove-section .gdb_index --remove-section .comment "
              "--keep-symbols=stripped/keep stripped/mini.dbg stripped/mini.elf && "
              "xz -f stripped/mini.elf && strip --strip-all -R .comment -o stripped/mini/wl %s && "
              "objcopy --add-section .gnu_debugdata=stripped/mini.elf.xz stripped/mini/wl"
              % (w, w, w, w))
    _strip_sh("strip -o stripped/bare/wl %s" % w)
    _strip_fixtures.made = tuple(os.path.join(d, k, "wl") for k in ("link", "mini", "bare"))
    return _strip_fixtures.made


def test_stripped_list_says_where_symbols_come_from():
    link, mini, bare = _strip_fixtures()
    for path in (link, mini):
        r = run([OPTRACE, "list", path, "op_*"])
        check(r.returncode == 0 and "op_fast" in r.stdout and "op_nest" not in r.stdout,
              "list %s: %d %s %s" % (path, r.returncode, r.stdout, r.stderr))
    r = run([OPTRACE, "list", bare, "op_*"])
    check(r.returncode == 2, "list of the bare copy exited %d" % r.returncode)


@bpf
def test_stripped_debuglink_exact_counts():
    link, _, _ = _strip_fixtures()
    docs, _, _ = trace(["%s:op_fast" % link], [link, "count", "4321"])
    d = final(docs)
    no_loss(d)
    check(calls(d, "op_fast") == 4321, "op_fast %d calls, want 4321" % calls(d, "op_fast"))
    check(op(d, "op_fast")["latency_ns"]["p50"] is not None, "op_fast not timed")


@bpf
def test_stripped_gnu_debugdata_exact_counts():
    _, mini, _ = _strip_fixtures()
    docs, _, _ = trace(["%s:op_outer" % mini, "%s:op_inner,count" % mini], [mini, "nest", "250"])
    d = final(docs)
    no_loss(d)
    check(calls(d, "op_outer") == 250, "op_outer %d calls, want 250" % calls(d, "op_outer"))
    check(calls(d, "op_inner") == 500, "op_inner %d calls, want 500" % calls(d, "op_inner"))


def test_stripped_no_debug_symbols_error():
    _, _, bare = _strip_fixtures()
    r = run([OPTRACE, "trace", "-u", "%s:op_fast" % bare, "--", bare, "count", "1"])
    check(r.returncode == 2, "exited %d, want 2: %s" % (r.returncode, r.stderr))
    for part in ("symbol 'op_fast' not found in %s: the binary is stripped and no debug "
                 "symbols were found (looked in: build-id /usr/lib/debug/.build-id/" % bare,
                 "no .gnu_debuglink", ".gnu_debugdata (none)",
                 "install its -dbgsym package or probe an exported function"):
        check(part in r.stderr, "stderr %r lacks %r" % (r.stderr, part))
