# optrace serve (issue 7): a real Prometheus server (Debian package
# prometheus) scrapes `optrace serve` every second; the test asks
# Prometheus' HTTP API for the series and checks that histogram_quantile
# over optrace's buckets agrees with optrace's own p99 within the bucket
# error.  promtool validates /metrics; raw sockets send malformed and
# oversized requests, which get 4xx while the server keeps serving; SIGINT
# stops serve with exit 0.  Exec'd in run.py's namespace (run(), spawn(),
# start_target(), check(), Fail, Skip, TMP, WORKLOAD, probe(), @bpf ...);
# this file's own names start with _srv/SRV_ so that other it_*.py files
# cannot shadow them.
import http.client as _srv_http_client
import socket as _srv_socket
import urllib.parse as _srv_urlparse

SRV_PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
SRV_PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
# render_prom.c's le boundaries, in seconds (docs/formats.md).
SRV_LES = [1e-06, 2.5e-06, 5e-06, 1e-05, 2.5e-05, 5e-05, 0.0001, 0.00025, 0.0005, 0.001,
           0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100]
SRV_OP = "op_sleep"  # workload loop: op_sleep(1 ms) forever


def _srv_free_port():
    """A TCP port free on loopback just now (the caller binds it next)."""
    s = _srv_socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def _srv_get(port, path, method="GET", timeout=5):
    """One HTTP request; returns (status, body text).  Connection errors raise OSError."""
    c = _srv_http_client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path)
        r = c.getresponse()
        return r.status, r.read().decode("utf-8", errors="replace")
    finally:
        c.close()


def _srv_raw(port, data, timeout=5):
    """Sends raw bytes (the server may hang up early) and reads to EOF.
    Returns the answer's status code, or 0 when there was no status line."""
    s = _srv_socket.create_connection(("127.0.0.1", port), timeout=timeout)
    got = b""
    try:
        try:
            s.sendall(data)
        except OSError:  # reset while sending: the answer may still be there
            pass
        while True:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            got += chunk
    finally:
        s.close()
    head = got.split(b"\r\n", 1)[0].decode(errors="replace").split()
    return int(head[1]) if len(head) >= 2 and head[0].startswith("HTTP/") and \
        head[1].isdigit() else 0


def _srv_poll(fn, timeout, what):
    """Calls fn every 0.2 s until it returns something true; returns that."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            v = fn()
        except (OSError, _srv_http_client.HTTPException, ValueError, KeyError) as e:
            v, last = None, e
        if v:
            return v
        time.sleep(0.2)
    raise Fail("%s: not within %ss%s" % (what, timeout, " (last error: %s)" % last if last
                                         else ""))


def _srv_start_serve(pid, extra=()):
    """optrace serve on a free loopback port, tracing pid's op_sleep; returns (proc, port)
    once /metrics answers 200 (the first tick published)."""
    for _ in range(3):  # the free port may be taken in between: pick another
        port = _srv_free_port()
        p = spawn([OPTRACE, "serve", "-p", pid, "-u", probe(SRV_OP),
                   "--listen", "127.0.0.1:%d" % port] + list(extra))
        try:
            read_line(p, "Serving on ", 10, "stderr")
        except Fail:
            if p.poll() is not None and "in use" in stderr_of(p):
                continue
            raise Fail("optrace serve did not start (rc %s): %s" % (p.poll(), stderr_of(p)))

        def ready():
            check(p.poll() is None, "optrace serve exited %s: %s" % (p.returncode, stderr_of(p)))
            return _srv_get(port, "/metrics")[0] == 200
        _srv_poll(ready, 15, "optrace serve's first /metrics")
        return p, port
    raise Fail("no free port for optrace serve")


def _srv_start_prometheus(target_port):
    """A Prometheus server on loopback scraping 127.0.0.1:target_port every second."""
    if not os.access(SRV_PROMETHEUS, os.X_OK):
        raise Skip("prometheus not installed (Debian package prometheus)")
    d = tempfile.mkdtemp(prefix="prom-", dir=TMP)
    cfg = os.path.join(d, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "  evaluation_interval: 1s\n"
                "scrape_configs:\n  - job_name: optrace\n"
                "    static_configs:\n      - targets: ['127.0.0.1:%d']\n" % target_port)
    for _ in range(3):
        port = _srv_free_port()
        p = spawn([SRV_PROMETHEUS, "--config.file=" + cfg, "--storage.tsdb.path=" + d + "/data",
                   "--web.listen-address=127.0.0.1:%d" % port, "--log.level=warn"])

        def ready():
            if p.poll() is not None:
                return "exited"
            return _srv_get(port, "/-/ready")[0] == 200 and "ready"
        if _srv_poll(ready, 20, "Prometheus ready") == "ready":
            return p, port
    raise Fail("Prometheus did not start: %s" % stderr_of(p)[-500:])


def _srv_query(port, promql):
    """Prometheus /api/v1/query -> the result vector (list of {metric, value})."""
    st, body = _srv_get(port, "/api/v1/query?" + _srv_urlparse.urlencode({"query": promql}))
    check(st == 200, "Prometheus query %r: HTTP %d: %.300s" % (promql, st, body))
    doc = json.loads(body)
    check(doc.get("status") == "success", "Prometheus query %r: %s" % (promql, doc))
    return doc["data"]["result"]


def _srv_scalar(port, promql):
    """The value of a one-sample query result, or None when there is no sample."""
    res = _srv_query(port, promql)
    check(len(res) <= 1, "%r: %d series, want 1" % (promql, len(res)))
    return float(res[0]["value"][1]) if res else None


def _srv_bucket(v):
    """Index of the le bucket v falls in: the first boundary >= v (len(SRV_LES): +Inf)."""
    for i, le in enumerate(SRV_LES):
        if v <= le:
            return i
    return len(SRV_LES)


def _srv_target_error(port):
    try:
        tg = json.loads(_srv_get(port, "/api/v1/targets")[1])["data"]["activeTargets"]
        return "; ".join("%s: %s %s" % (t["scrapeUrl"], t["health"], t["lastError"])
                         for t in tg)
    except (OSError, ValueError, KeyError) as e:
        return "targets unknown: %s" % e


def _srv_sample(text, prefix):
    """The value of the exposition's first sample line that starts with prefix."""
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.rsplit(" ", 1)[1])
    return None


@bpf
def test_serve_prometheus_scrapes():
    tp, pid = start_target("loop", 0, 1)
    sp, port = _srv_start_serve(pid)
    pp, pport = _srv_start_prometheus(port)
    sel = '{op="%s",pid="%d"}' % (SRV_OP, pid)
    calls_q = "optrace_op_calls_total" + sel

    # The series exist once Prometheus has scraped, and the count grows.
    c1 = _srv_poll(lambda: _srv_scalar(pport, calls_q), 15,
                   "%s in Prometheus (%s)" % (calls_q, _srv_target_error(pport)))
    c2 = _srv_poll(lambda: (_srv_scalar(pport, calls_q) or 0) > c1, 10,
                   "%s grows past %d" % (calls_q, c1))
    check(c2, "calls do not grow")
    dropped = _srv_scalar(pport, "optrace_series_dropped_total")
    check(dropped == 0, "optrace_series_dropped_total is %r, want 0" % dropped)
    rate_p99 = _srv_poll(lambda: _srv_scalar(pport, "histogram_quantile(0.99, rate("
                                             "optrace_op_latency_seconds_bucket%s[5s]))" % sel),
                         10, "histogram_quantile over rate()")
    check(0.001 <= rate_p99 <= 0.025, "p99 over rate() %.6f s: op_sleep sleeps 1 ms" % rate_p99)

    # Freeze the target: the cumulative report stops moving, so once
    # Prometheus has scraped the frozen figures both sides see the same calls.
    os.kill(pid, signal.SIGSTOP)
    try:
        def frozen():
            st, body = _srv_get(port, "/api/report")
            o = op(json.loads(body), SRV_OP)
            if _srv_scalar(pport, calls_q) != o["calls"]:
                return None
            time.sleep(1.2)  # one more tick and scrape: still the same?
            o2 = op(json.loads(_srv_get(port, "/api/report")[1]), SRV_OP)
            return o2 if o2["calls"] == o["calls"] == _srv_scalar(pport, calls_q) else None
        o = _srv_poll(frozen, 15, "Prometheus and /api/report agree on the calls")
        q = "histogram_quantile(0.99, optrace_op_latency_seconds_bucket%s)" % sel
        est = _srv_scalar(pport, q)
    finally:
        os.kill(pid, signal.SIGCONT)
    mine = o["latency_ns"]["p99"] / 1e9
    check(est is not None, "%s: no result" % q)
    # Prometheus interpolates linearly inside the le bucket that holds the
    # 99th-percentile rank; optrace's p99 is exact at its own resolution
    # (1/64 of a power of two).  So both fall in the same le bucket, except
    # that a value up to 1/64 above a boundary is counted under it (the
    # renderer files an internal bucket by its lowest value): then optrace's
    # p99 can sit just above the boundary whose bucket Prometheus picked,
    # one bucket higher.  Anything further apart is a real disagreement.
    bm, be = _srv_bucket(mine), _srv_bucket(est)
    check(bm == be or (bm == be + 1 and mine <= SRV_LES[be] * (1 + 1 / 64.0) + 1e-9),
          "p99: optrace %.6f s (le bucket %d), Prometheus histogram_quantile %.6f s "
          "(bucket %d)" % (mine, bm, est, be))

    # promtool is happy with what Prometheus scraped.
    st, text = _srv_get(port, "/metrics")
    check(st == 200, "/metrics: HTTP %d" % st)
    path = os.path.join(TMP, "serve.prom")
    with open(path, "w") as f:
        f.write(text)
    if os.access(SRV_PROMTOOL, os.X_OK):
        r = run(["sh", "-c", '"$0" check metrics < "$1" 2>&1', SRV_PROMTOOL, path])
        check(r.returncode == 0 and not r.stdout.strip(),
              "promtool check metrics: rc %d: %s" % (r.returncode, r.stdout[:500]))
    check(_srv_sample(text, "optrace_series_dropped_total ") == 0,
          "/metrics: no optrace_series_dropped_total 0")

    pp.send_signal(signal.SIGTERM)
    wait_exit(pp, 15, "prometheus")
    sp.send_signal(signal.SIGINT)
    rc = wait_exit(sp, 10, "optrace serve after SIGINT")
    check(rc == 0, "optrace serve exited %d after SIGINT: %s" % (rc, stderr_of(sp)))


@bpf
def test_serve_misbehaving_clients():
    tp, pid = start_target("loop", 0, 1)
    sp, port = _srv_start_serve(pid, ["--max-series", "5"])

    def still_serving(after):
        st, body = _srv_get(port, "/metrics")
        check(st == 200 and "optrace_op_calls_total{" in body,
              "after %s: /metrics HTTP %d" % (after, st))
        check(sp.poll() is None, "optrace serve exited after %s" % after)

    big = b"GET /" + b"a" * (100 * 1024) + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    cases = [  # what, raw request, acceptable statuses
        ("a 100 KB request line", big, range(400, 500)),
        ("a 100 KB header", b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * (100 * 1024)
         + b"\r\nConnection: close\r\n\r\n", range(400, 500)),
        ("garbage bytes", b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03 \xff\xfe\r\n\r\n",
         range(400, 500)),
        # No version is HTTP/0.9, which has no status line to answer with:
        # libmicrohttpd closes the connection without an answer.
        ("a request line without a version", b"GARBAGE\r\n\r\n", [0] + list(range(400, 500))),
        ("POST", b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
         b"Connection: close\r\n\r\n", [405]),
        ("DELETE", b"DELETE /api/report HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
         [405]),
        ("a GET with a body", b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
         b"Connection: close\r\n\r\nhello", [413]),
        ("an unknown path", b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
         [404]),
    ]
    for what, req, want in cases:
        st = _srv_raw(port, req)
        check(st in want, "%s: HTTP %d, want %s" % (what, st, want[0] if len(want) == 1
                                                    else "4xx"))
        still_serving(what)
    # a client that connects and says nothing does not block the others
    idle = _srv_socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        still_serving("a silent client")
    finally:
        idle.close()

    st, body = _srv_get(port, "/api/health")
    check(st == 200, "/api/health: HTTP %d" % st)
    h = json.loads(body)
    check(h.get("status") in ("ok", "warning", "critical"), "/api/health status: %r" % h)
    check(any(p["pid"] == pid for p in h.get("pids", [])), "/api/health: no pid %d" % pid)
    st, body = _srv_get(port, "/api/recent")
    check(st == 200 and json.loads(body).get("schema") == "optrace.recent",
          "/api/recent: HTTP %d %.100s" % (st, body))
    st, body = _srv_get(port, "/metrics", method="HEAD")
    check(st == 200 and body == "", "HEAD /metrics: HTTP %d, %d bytes of body" % (st, len(body)))

    sp.send_signal(signal.SIGINT)
    rc = wait_exit(sp, 10, "optrace serve after SIGINT")
    check(rc == 0, "optrace serve exited %d after SIGINT: %s" % (rc, stderr_of(sp)))
    check(alive(pid), "the traced target died with optrace serve")
