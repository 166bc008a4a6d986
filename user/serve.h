/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * serve.h - the HTTP exporter of `optrace serve` (libmicrohttpd):
 *
 *   GET /metrics      Prometheus text (render__prom of the cumulative report)
 *   GET /api/report   the cumulative report as JSON (render__json)
 *   GET /api/health   status ok / warning / critical, system and per-pid health
 *   GET /api/recent   the recent slow spans as JSON
 *
 * The session thread renders every document in server__publish, outside
 * any lock, then swaps the new documents in; the HTTP thread only takes a
 * reference on published bytes and never sees a report.  Only GET and HEAD
 * are answered; connections, their memory, their idle time and answer
 * sizes are bounded.  Nothing here prints: errors are returned.
 */
#ifndef OPTRACE_SERVE_H
#define OPTRACE_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

#define SERVER_DEFAULT_LISTEN	   "127.0.0.1:9464"
#define SERVER_DEFAULT_CONNS	   32
#define SERVER_DEFAULT_TIMEOUT_S   10
#define SERVER_DEFAULT_ANSWER_BYTES (16u << 20)
#define SERVER_DEFAULT_CONN_MEMORY (32u << 10) /* request line + headers must fit */

struct server_opts {
	const char *listen;	 /* "HOST:PORT", "[V6ADDR]:PORT"; NULL: SERVER_DEFAULT_LISTEN.
				  * Port 0 picks a free port (server__port tells which). */
	unsigned max_conns;	 /* concurrent connections; 0: SERVER_DEFAULT_CONNS */
	unsigned max_conns_per_ip; /* 0: half of max_conns (at least 1) */
	unsigned timeout_s;	 /* idle connections are closed after this; 0: default */
	size_t max_answer_bytes; /* a larger document is served as 503; 0: default */
	size_t conn_memory;	 /* per-connection buffer; 0: SERVER_DEFAULT_CONN_MEMORY */
	size_t max_series;	 /* /metrics: at most this many (pid, op) label sets, the
				  * busiest (render_opts.max_series); 0: no cap */
};

struct server;

/*
 * Binds the listen address (resolved with getaddrinfo; the first address
 * that binds wins) and starts the HTTP thread.  Every endpoint answers 503
 * until the first server__publish.  o may be NULL (all defaults).
 * Returns 0 and *out, or a negative errno with a one-line reason in err
 * (when err is not NULL): -EINVAL for a malformed address, -EADDRINUSE,
 * -EACCES, -EADDRNOTAVAIL from bind, -ENOMEM, -EIO when libmicrohttpd
 * cannot start.  The caller stops it with server__stop.
 */
int server__start(const struct server_opts *o, struct server **out, char *err, size_t errlen);

/* The bound TCP port (useful after asking for port 0). */
uint16_t server__port(const struct server *s);

/*
 * Renders every document from the reports and publishes them atomically
 * (a scrape sees either all old or all new documents).  Call it from one
 * thread (the session's), once per tick.
 *
 *   cumulative  required: /metrics and /api/report, and the findings that
 *               set the health status (cumulative counters, as Prometheus
 *               expects); its window is the whole run.
 *   interval    optional (NULL: cumulative is used): current CPU%, RSS and
 *               run-queue p99 per pid and the system's busy/memory % in
 *               /api/health; its findings count towards the status too.
 *   recent      nrecent slow spans for /api/recent (may be NULL when 0),
 *               e.g. cumulative->spans.
 *
 * Nothing is kept pointing into the reports or spans after it returns.
 * A document whose renderer fails (-ENOSYS while a format is missing) or
 * whose size exceeds max_answer_bytes is published as a 503 whose body
 * says why; the other documents are still published.  Returns 0, -EINVAL
 * (NULL s or cumulative), or -ENOMEM (then the previous documents stay).
 */
int server__publish(struct server *s, const struct report *cumulative,
		    const struct report *interval, const struct report_span *recent,
		    size_t nrecent);

/*
 * Stops the HTTP thread, closes every connection and the listen socket,
 * and frees s.  NULL is fine.
 */
void server__stop(struct server *s);

/*
 * The health status from findings: "critical" if any finding is critical,
 * "warning" if any is a warning, "ok" otherwise (info findings are ok).
 * pid 0 looks at every finding; another pid at findings about that pid or
 * its ops.  Exposed for tests and for the live view.
 */
int server__worst_severity(const struct finding *f, size_t n, uint32_t pid);
const char *server__status_name(int worst_severity); /* -1 (none): "ok" */

#endif
