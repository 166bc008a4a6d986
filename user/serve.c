// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * serve.c - the HTTP exporter: the listen socket, libmicrohttpd's daemon
 * and its limits, the published documents, and the two JSON documents no
 * renderer owns (/api/health, /api/recent).
 *
 * Leaves to others: the Prometheus and report JSON text (render_prom.c,
 * render_json.c), every number (report.c, analyze), when to publish and
 * logging (the session).
 *
 * Concurrency: server__publish renders into private buffers, then swaps
 * pointers under s->lock.  A published document is an immutable,
 * reference-counted struct doc; the HTTP thread takes a reference under
 * the lock and hands the bytes to libmicrohttpd, which drops the
 * reference when the answer is sent (or the connection dies).  So a slow
 * client never holds the lock, and publishing never waits for a client.
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>

#include "jsonutil.h"
#include "serve.h"

#define CT_PROM "text/plain; version=0.0.4; charset=utf-8"
#define CT_JSON "application/json"
#define CT_TEXT "text/plain; charset=utf-8"

enum endpoint { EP_METRICS, EP_REPORT, EP_HEALTH, EP_RECENT, EP_NR };

static const struct {
	const char *path;
	const char *ctype;
} endpoints[EP_NR] = {
	[EP_METRICS] = { "/metrics", CT_PROM },
	[EP_REPORT] = { "/api/report", CT_JSON },
	[EP_HEALTH] = { "/api/health", CT_JSON },
	[EP_RECENT] = { "/api/recent", CT_JSON },
};

static const char index_text[] =
	"optrace serve\n"
	"  /metrics      Prometheus exposition (same names as `optrace report -f prom`)\n"
	"  /api/health   status ok | warning | critical, system and per-process health\n"
	"  /api/report   the cumulative report as JSON\n"
	"  /api/recent   the recent slow spans as JSON\n";
static const char no_data_text[] = "no data yet: the first report is published after one tick\n";
static const char not_found_text[] = "not found\n";
static const char not_allowed_text[] = "only GET and HEAD are allowed\n";
static const char too_large_text[] = "request bodies are not accepted\n";

/* One published document: immutable once published. */
struct doc {
	int refs;		/* __atomic: the server's slot + answers in flight */
	unsigned int status;	/* 200, or 503 with the reason in the body */
	const char *ctype;
	char *body;		/* malloc'd */
	size_t len;
};

struct server {
	struct MHD_Daemon *daemon;
	int lfd;
	uint16_t port;
	size_t max_answer;
	size_t max_series;	/* /metrics: render_opts.max_series */
	pthread_mutex_t lock;	/* guards docs[] */
	struct doc *docs[EP_NR]; /* NULL before the first publish */
};

static void doc_unref(void *arg)
{
	struct doc *d = arg;

	if (d && __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(d->body);
		free(d);
	}
}

/* Takes ownership of body (freed on failure too).  NULL on ENOMEM. */
static struct doc *doc_new(unsigned int status, const char *ctype, char *body, size_t len)
{
	struct doc *d = malloc(sizeof(*d));

	if (!d) {
		free(body);
		return NULL;
	}
	*d = (struct doc){ .refs = 1, .status = status, .ctype = ctype, .body = body, .len = len };
	return d;
}

/* A 503 whose body tells why the document is missing.  NULL on ENOMEM. */
static struct doc *doc_unavailable(const char *fmt, ...)
{
	va_list ap;
	char *body;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&body, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : doc_new(MHD_HTTP_SERVICE_UNAVAILABLE, CT_TEXT, body, n);
}

/* ---- documents ---- */

int server__worst_severity(const struct finding *f, size_t n, uint32_t pid)
{
	int worst = -1;

	for (size_t i = 0; i < n; i++) {
		bool about = !pid || ((f[i].subject_kind == SUBJ_PID ||
				       f[i].subject_kind == SUBJ_OP) && f[i].pid == pid);

		if (about && f[i].severity > worst)
			worst = f[i].severity;
	}
	return worst;
}

const char *server__status_name(int worst_severity)
{
	if (worst_severity >= SEV_CRITICAL)
		return "critical";
	return worst_severity == SEV_WARNING ? "warning" : "ok";
}

static int worst_of(const struct report *cum, const struct report *iv, uint32_t pid)
{
	int a = server__worst_severity(cum->findings, cum->nfindings, pid);
	int b = iv == cum ? -1 : server__worst_severity(iv->findings, iv->nfindings, pid);

	return a > b ? a : b;
}

/* The worst block IO p99 of a process (submit to completion), 0 if none. */
static uint64_t bio_p99(const struct report_pid *p)
{
	uint64_t worst = 0;

	for (size_t i = 0; i < p->nbio; i++)
		if (p->bio[i].count && p->bio[i].p99 > worst)
			worst = p->bio[i].p99;
	return worst;
}

static json_t *health_pid(const struct report_pid *p, int worst, bool *ok)
{
	json_t *j = json_object();
	bool proc = p->has_res && p->res.has_proc;

	put(j, "pid", json_integer(p->pid), ok);
	put(j, "comm", jstr(p->comm), ok);
	put(j, "status", json_string(server__status_name(worst)), ok);
	put(j, "exited", json_boolean(p->exited), ok);
	put(j, "calls", ju64(p->calls), ok);
	put(j, "cpu_pct", proc ? jreal(p->res.rates.cpu_pct) : json_null(), ok);
	put(j, "rss_bytes", proc && p->res.now.has_rss ? ju64(p->res.now.rss_bytes) : json_null(),
	    ok);
	put(j, "threads", proc ? json_integer(p->res.now.num_threads) : json_null(), ok);
	put(j, "runq_p99_ns", p->runq_count ? ju64(p->runq_p99) : json_null(), ok);
	put(j, "io_p99_ns", p->nbio ? ju64(bio_p99(p)) : json_null(), ok);
	return j;
}

/* Same pid in the cumulative report (findings), or NULL. */
static const struct report_pid *find_pid(const struct report *r, uint32_t pid)
{
	for (size_t i = 0; i < r->npids; i++)
		if (r->pids[i].pid == pid)
			return &r->pids[i];
	return NULL;
}

static int render_health(FILE *f, const struct report *cum, const struct report *iv)
{
	json_t *root = json_object(), *pids = json_array(), *sys = json_object();
	json_t *counts = json_object();
	size_t nsev[3] = { 0 };
	bool ok = root && pids && sys && counts;
	int err = 0;

	for (size_t i = 0; i < cum->nfindings; i++)
		if (cum->findings[i].severity >= 0 && cum->findings[i].severity <= SEV_CRITICAL)
			nsev[cum->findings[i].severity]++;
	put(root, "schema", json_string("optrace.health"), &ok);
	put(root, "status", json_string(server__status_name(worst_of(cum, iv, 0))), &ok);
	put(root, "elapsed_s", jreal(cum->meta.elapsed_s), &ok);
	put(root, "window_s", jreal(iv->meta.window_s), &ok);
	put(counts, "critical", json_integer(nsev[SEV_CRITICAL]), &ok);
	put(counts, "warning", json_integer(nsev[SEV_WARNING]), &ok);
	put(counts, "info", json_integer(nsev[SEV_INFO]), &ok);
	put(root, "findings", counts, &ok);
	if (iv->sys.valid) {
		put(sys, "cpu_busy_pct", jreal(iv->sys.rates.cpu_busy_pct), &ok);
		put(sys, "mem_used_pct", jreal(iv->sys.rates.mem_used_pct), &ok);
		put(sys, "load1", jreal(iv->sys.now.load1), &ok);
		put(sys, "ncpus", json_integer(iv->sys.now.ncpus), &ok);
		put(root, "system", sys, &ok);
	} else {
		json_decref(sys);
		put(root, "system", json_null(), &ok);
	}
	/* Every pid of the run: interval figures when the interval has it. */
	for (size_t i = 0; i < cum->npids; i++) {
		const struct report_pid *p = find_pid(iv, cum->pids[i].pid);

		append(pids, health_pid(p ? p : &cum->pids[i], worst_of(cum, iv, cum->pids[i].pid),
					&ok), &ok);
	}
	put(root, "pids", pids, &ok);
	put(root, "spans_lost", ju64(cum->loss.spans_lost), &ok);
	if (!ok)
		err = -ENOMEM;
	else if (json_dumpf(root, f, JSON_INDENT(2)) || fputc('\n', f) == EOF)
		err = -EIO;
	json_decref(root);
	return err;
}

static json_t *span_json(const struct report_span *sp, bool *ok)
{
	json_t *j = json_object(), *split;

	put(j, "pid", json_integer(sp->pid), ok);
	put(j, "tid", json_integer(sp->tid), ok);
	put(j, "op", jstr(sp->op), ok);
	put(j, "start_ns", ju64(sp->start_ns), ok);
	put(j, "dur_ns", ju64(sp->dur_ns), ok);
	put(j, "child_ns", ju64(sp->child_ns), ok);
	put(j, "ret", json_integer(sp->ret), ok);
	put(j, "error", json_boolean(sp->error), ok);
	put(j, "bytes", sp->flags & OT_SPAN_F_BYTES ? ju64(sp->bytes) : json_null(), ok);
	put(j, "depth", json_integer(sp->depth), ok);
	if (sp->flags & OT_SPAN_F_SPLIT) {
		split = json_object();
		put(split, "oncpu_ns", ju64(sp->oncpu_ns), ok);
		put(split, "runq_ns", ju64(sp->runq_ns), ok);
		put(split, "iowait_ns", ju64(sp->iowait_ns), ok);
		put(split, "offcpu_ns", ju64(sp->offcpu_ns), ok);
		put(j, "split", split, ok);
	} else {
		put(j, "split", json_null(), ok);
	}
	return j;
}

struct recent {
	const struct report_span *v;
	size_t n;
	double elapsed_s;
};

static int render_recent(FILE *f, const struct recent *rc)
{
	json_t *root = json_object(), *arr = json_array();
	bool ok = root && arr;
	int err = 0;

	put(root, "schema", json_string("optrace.recent"), &ok);
	put(root, "elapsed_s", jreal(rc->elapsed_s), &ok);
	for (size_t i = 0; ok && i < rc->n; i++)
		append(arr, span_json(&rc->v[i], &ok), &ok);
	put(root, "spans", arr, &ok);
	if (!ok)
		err = -ENOMEM;
	else if (json_dumpf(root, f, JSON_INDENT(2)) || fputc('\n', f) == EOF)
		err = -EIO;
	json_decref(root);
	return err;
}

struct render_args {
	enum endpoint ep;
	const struct report *cum, *iv;
	struct render_opts prom;
	struct recent recent;
};

static int render_doc(FILE *f, const struct render_args *a)
{
	switch (a->ep) {
	case EP_METRICS:
		return render__prom(f, a->cum, &a->prom);
	case EP_REPORT:
		return render__json(f, a->cum, NULL);
	case EP_HEALTH:
		return render_health(f, a->cum, a->iv);
	case EP_RECENT:
		return render_recent(f, &a->recent);
	default:
		return -EINVAL;
	}
}

/* Renders one document into a new doc.  NULL only on ENOMEM. */
static struct doc *build_doc(const struct server *s, const struct render_args *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return NULL;
	err = render_doc(f, a);
	if (fclose(f) && !err)
		err = -ENOMEM; /* a memstream fails only for memory */
	if (err) {
		free(buf);
		if (err == -ENOMEM)
			return NULL;
		return doc_unavailable("%s: cannot render: %s\n", endpoints[a->ep].path,
				       strerror(-err));
	}
	if (len > s->max_answer) {
		free(buf);
		return doc_unavailable("%s: answer of %zu bytes exceeds the limit of %zu bytes\n",
				       endpoints[a->ep].path, len, s->max_answer);
	}
	return doc_new(MHD_HTTP_OK, endpoints[a->ep].ctype, buf, len);
}

int server__publish(struct server *s, const struct report *cumulative,
		    const struct report *interval, const struct report_span *recent,
		    size_t nrecent)
{
	struct render_args a = {
		.cum = cumulative,
		.iv = interval ? interval : cumulative,
		.prom = { .max_series = s ? s->max_series : 0 },
		.recent = { recent, recent ? nrecent : 0, cumulative ? cumulative->meta.elapsed_s : 0 },
	};
	struct doc *fresh[EP_NR] = { NULL }, *old[EP_NR];
	int i;

	if (!s || !cumulative)
		return -EINVAL;
	for (i = 0; i < EP_NR; i++) {
		a.ep = i;
		fresh[i] = build_doc(s, &a);
		if (!fresh[i]) {
			while (i--)
				doc_unref(fresh[i]);
			return -ENOMEM;
		}
	}
	pthread_mutex_lock(&s->lock);
	memcpy(old, s->docs, sizeof(old));
	memcpy(s->docs, fresh, sizeof(fresh));
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < EP_NR; i++)
		doc_unref(old[i]);
	return 0;
}

/* ---- HTTP ---- */

static enum MHD_Result answer_static(struct MHD_Connection *c, unsigned int status,
				     const char *text, bool allow_header)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO; /* closes the connection */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, CT_TEXT);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow_header)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result answer_doc(struct server *s, struct MHD_Connection *c, enum endpoint ep)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	struct doc *d;

	pthread_mutex_lock(&s->lock);
	d = s->docs[ep];
	if (d)
		__atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&s->lock);
	if (!d)
		return answer_static(c, MHD_HTTP_SERVICE_UNAVAILABLE, no_data_text, false);
	/* libmicrohttpd drops our reference (doc_unref) when it is done with the bytes. */
	resp = MHD_create_response_from_buffer_with_free_callback_cls(d->len, d->body, doc_unref,
								      d);
	if (!resp) {
		doc_unref(d);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, d->ctype);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(c, d->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* True when the request announces a body (a non-zero length or chunks). */
static bool has_body(struct MHD_Connection *c)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);

	if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return true;
	return cl && strspn(cl, "0 \t") != strlen(cl);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	static int headers_seen; /* address only: marks the request's first call */
	struct server *s = cls;

	(void)version;
	(void)upload_data;
	/*
	 * Everything is decided on the first call, from the headers: a body
	 * is never read.  Should a body arrive anyway (a second call), the
	 * answer is already queued; refuse to read on.
	 */
	if (*req_cls) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	*req_cls = &headers_seen;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return answer_static(c, MHD_HTTP_METHOD_NOT_ALLOWED, not_allowed_text, true);
	if (has_body(c))
		return answer_static(c, MHD_HTTP_CONTENT_TOO_LARGE, too_large_text, false);
	for (int i = 0; i < EP_NR; i++)
		if (!strcmp(url, endpoints[i].path))
			return answer_doc(s, c, i);
	if (!strcmp(url, "/"))
		return answer_static(c, MHD_HTTP_OK, index_text, false);
	return answer_static(c, MHD_HTTP_NOT_FOUND, not_found_text, false);
}

/* ---- listen socket ---- */

/*
 * "HOST:PORT", "[V6]:PORT", "HOST", "[V6]", ":PORT" (every address) or
 * "PORT" into host ("" for every address) and port.  -EINVAL if malformed.
 */
static int split_listen(const char *spec, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *def_port = strrchr(SERVER_DEFAULT_LISTEN, ':') + 1, *p = NULL, *colon;
	size_t hl;

	if (!*spec)
		return -EINVAL;
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || (close[1] && close[1] != ':'))
			return -EINVAL;
		hl = close - spec - 1;
		spec++;
		p = close[1] ? close + 2 : NULL;
	} else if (strspn(spec, "0123456789") == strlen(spec)) {
		p = spec; /* a port alone: on loopback */
		spec = "127.0.0.1";
		hl = strlen(spec);
	} else {
		colon = strchr(spec, ':');
		if (colon && strchr(colon + 1, ':'))
			return -EINVAL; /* a bare IPv6 address: needs brackets */
		hl = colon ? (size_t)(colon - spec) : strlen(spec);
		p = colon ? colon + 1 : NULL;
	}
	if (p && (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 5 || atoi(p) > 65535))
		return -EINVAL;
	if (hl >= hostlen)
		return -EINVAL;
	memcpy(host, spec, hl);
	host[hl] = 0;
	snprintf(port, portlen, "%s", p ? p : def_port);
	return 0;
}

static int seterr(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return e;
}

/* Binds and listens on the first address of spec that works.  Returns the fd or -errno. */
static int open_listener(const char *spec, unsigned int backlog, uint16_t *bound, char *err,
			 size_t errlen)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	};
	struct addrinfo *res, *ai;
	char host[256], port[8];
	int fd = -1, e = 0, one = 1, gai;

	if (split_listen(spec, host, sizeof(host), port, sizeof(port)))
		return seterr(err, errlen, -EINVAL,
			      "bad listen address '%s': want HOST:PORT or [IPV6]:PORT", spec);
	gai = getaddrinfo(*host ? host : NULL, port, &hints, &res);
	if (gai)
		return seterr(err, errlen, gai == EAI_MEMORY ? -ENOMEM : -EINVAL,
			      "listen address '%s': %s", spec, gai_strerror(gai));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			e = -errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, (int)backlog))
			break;
		e = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return seterr(err, errlen, e ? e : -EADDRNOTAVAIL, "listen on %s: %s", spec,
			      strerror(e ? -e : EADDRNOTAVAIL));
	{
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		if (getsockname(fd, (struct sockaddr *)&ss, &sl)) {
			e = -errno;
			close(fd);
			return seterr(err, errlen, e, "listen on %s: %s", spec, strerror(-e));
		}
		*bound = ntohs(ss.ss_family == AF_INET6 ?
				       ((struct sockaddr_in6 *)&ss)->sin6_port :
				       ((struct sockaddr_in *)&ss)->sin_port);
	}
	return fd;
}

int server__start(const struct server_opts *o, struct server **out, char *err, size_t errlen)
{
	static const struct server_opts defaults;
	const char *listen_on;
	unsigned int conns, per_ip, timeout;
	size_t mem;
	struct server *s;
	sigset_t block, old;
	int fd;

	*out = NULL;
	if (!o)
		o = &defaults;
	listen_on = o->listen ? o->listen : SERVER_DEFAULT_LISTEN;
	conns = o->max_conns ? o->max_conns : SERVER_DEFAULT_CONNS;
	per_ip = o->max_conns_per_ip ? o->max_conns_per_ip : (conns + 1) / 2;
	timeout = o->timeout_s ? o->timeout_s : SERVER_DEFAULT_TIMEOUT_S;
	mem = o->conn_memory ? o->conn_memory : SERVER_DEFAULT_CONN_MEMORY;
	s = calloc(1, sizeof(*s));
	if (!s)
		return seterr(err, errlen, -ENOMEM, "serve: out of memory");
	s->max_answer = o->max_answer_bytes ? o->max_answer_bytes : SERVER_DEFAULT_ANSWER_BYTES;
	s->max_series = o->max_series;
	pthread_mutex_init(&s->lock, NULL);
	fd = open_listener(listen_on, conns, &s->port, err, errlen);
	if (fd < 0) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		return fd;
	}
	s->lfd = fd;
	/*
	 * The HTTP thread inherits our signal mask: block the asynchronous
	 * signals there so that Ctrl-C always interrupts the session's own
	 * poll, never the HTTP thread.
	 */
	sigemptyset(&block);
	for (int sig = 1; sig < SIGRTMIN; sig++)
		if (sig != SIGSEGV && sig != SIGBUS && sig != SIGFPE && sig != SIGILL &&
		    sig != SIGABRT && sig != SIGTRAP && sig != SIGKILL && sig != SIGSTOP)
			sigaddset(&block, sig);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	s->daemon = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, on_request, s,
				     MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				     MHD_OPTION_CONNECTION_LIMIT, conns,
				     MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
				     MHD_OPTION_CONNECTION_TIMEOUT, timeout,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, mem,
				     MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!s->daemon) {
		close(fd);
		pthread_mutex_destroy(&s->lock);
		free(s);
		return seterr(err, errlen, -EIO, "serve: libmicrohttpd could not start on %s",
			      listen_on);
	}
	*out = s;
	return 0;
}

uint16_t server__port(const struct server *s)
{
	return s ? s->port : 0;
}

void server__stop(struct server *s)
{
	if (!s)
		return;
	/* Joins the HTTP thread: every answer in flight drops its reference. */
	MHD_stop_daemon(s->daemon);
	close(s->lfd);
	for (int i = 0; i < EP_NR; i++)
		doc_unref(s->docs[i]);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
