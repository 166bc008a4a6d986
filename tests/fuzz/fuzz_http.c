// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_http.c - libFuzzer target for the exporter's request handling
 * (user/serve.c over libmicrohttpd).  The server is started once on
 * 127.0.0.1 port 0 with a small report published; each input is sent as
 * raw bytes on a new connection (then the write side is shut), the answer
 * is read until the server closes, and a well-formed GET /api/health must
 * still be answered with an HTTP status line afterwards.  A crash, a
 * sanitizer report in the server's thread or a server that stops
 * answering is a finding.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "report.h"
#include "serve.h"

static struct server *srv;
static uint16_t port;
static struct report rep;

static void stop(void)
{
	server__stop(srv);
}

static void start(void)
{
	struct server_opts o = { .listen = "127.0.0.1:0", .timeout_s = 2 };
	char err[256];

	rep.meta = (struct report_meta){ .kind = "final", .window_s = 1, .elapsed_s = 1,
					 .attach_mode = "uprobe_multi", .nr_probes = 1,
					 .bias_emulated_ns = -1, .bias_stepped_ns = -1 };
	rep.sys.valid = true;
	if (server__start(&o, &srv, err, sizeof(err))) {
		fprintf(stderr, "fuzz_http: server__start: %s\n", err);
		abort();
	}
	if (server__publish(srv, &rep, NULL, NULL, 0))
		abort();
	port = server__port(srv);
	atexit(stop);
}

/* Sends data, shuts the write side, reads until EOF (or 3 s); returns the
 * bytes read (at most cap kept in buf), or -1 when the connect failed. */
static long exchange(const void *data, size_t size, char *buf, size_t cap)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = 3 };
	size_t got = 0;
	long total = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	if (size)
		(void)!send(fd, data, size, MSG_NOSIGNAL);
	shutdown(fd, SHUT_WR);
	for (;;) {
		char tmp[4096];
		ssize_t n = recv(fd, tmp, sizeof(tmp), 0);

		if (n <= 0)
			break;
		if (got < cap) {
			size_t k = (size_t)n < cap - got ? (size_t)n : cap - got;

			memcpy(buf + got, tmp, k);
			got += k;
		}
		total += n;
	}
	close(fd);
	if (cap)
		buf[got < cap ? got : cap - 1] = '\0';
	return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char health[] = "GET /api/health HTTP/1.1\r\nHost: localhost\r\n"
				     "Connection: close\r\n\r\n";
	char buf[64];

	if (!srv)
		start();
	exchange(data, size, NULL, 0);
	if (exchange(health, sizeof(health) - 1, buf, sizeof(buf)) <= 0 ||
	    strncmp(buf, "HTTP/1.", 7)) {
		fprintf(stderr, "fuzz_http: the server no longer answers GET /api/health "
			"(got %.40s)\n", buf);
		abort();
	}
	return 0;
}
