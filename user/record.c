// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * record.c - record files: one gzip-compressed JSON document (zlib's gz
 * API, jansson), {"format": "optrace.record", "schema_version": N,
 * "report": <report__to_json(r, true)>}.
 *
 * Owns the file: the temporary-file-and-rename write (a crash or a full
 * disk never leaves a partial file under the final name), the decompressed
 * size cap, and telling a foreign, corrupt, truncated or newer file apart
 * with one clear message.  Leaves to others: the report's JSON tree
 * (render_json.c writes it, report_read.c checks and rebuilds it) and
 * printing (callers print err with the file name).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <zlib.h>

#include "record.h"
#include "report_json.h"

#define TMP_TRIES    64
#define READ_CHUNK   (256 * 1024)
#define GZ_BUF_BYTES (128 * 1024)

static int __attribute__((format(printf, 4, 5))) errf(char *err, size_t errlen, int ret,
						      const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/*
 * Creates ".NAME.XXXXXX" next to path (O_EXCL: never an existing file or a
 * symlink).  Returns the fd and the malloc'd name in *tmp, or -errno.
 */
static int tmp_create(const char *path, char **tmp)
{
	static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path) + 1 : 0;
	size_t len = strlen(path) + 16;
	char *name = malloc(len);

	if (!name)
		return -ENOMEM;
	for (int t = 0; t < TMP_TRIES; t++) {
		unsigned char rnd[6];
		char suffix[7];
		int fd;

		if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd)) {
			uint64_t x = (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid() << 16 ^
				     (uint64_t)t * 40503u ^ (uintptr_t)name;

			memcpy(rnd, &x, sizeof(rnd));
		}
		for (size_t i = 0; i < sizeof(rnd); i++)
			suffix[i] = chars[rnd[i] % (sizeof(chars) - 1)];
		suffix[6] = '\0';
		snprintf(name, len, "%.*s.%s.%s", dirlen, path, base, suffix);
		fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0) {
			*tmp = name;
			return fd;
		}
		if (errno != EEXIST) {
			int e = -errno;

			free(name);
			return e;
		}
	}
	free(name);
	return -EEXIST;
}

struct gz_sink {
	gzFile gz;
	int err; /* negative errno of the first failed write */
};

/* The gz layer's errno (a failed write()) or -EIO. */
static int gz_errno(gzFile gz, int saved_errno)
{
	int zerr;

	gzerror(gz, &zerr);
	if (zerr == Z_ERRNO)
		return saved_errno ? -saved_errno : -EIO;
	return zerr == Z_MEM_ERROR ? -ENOMEM : -EIO;
}

static int gz_put(const char *buf, size_t size, void *data)
{
	struct gz_sink *s = data;

	while (size) {
		unsigned n = size > INT_MAX ? INT_MAX : (unsigned)size;
		int w;

		errno = 0;
		w = gzwrite(s->gz, buf, n);
		if (w <= 0) {
			s->err = gz_errno(s->gz, errno);
			return -1;
		}
		buf += w;
		size -= (size_t)w;
	}
	return 0;
}

/* Best effort: makes the rename durable. */
static void fsync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int record__write(const char *path, const struct report *r, char *err, size_t errlen)
{
	struct gz_sink sink = { 0 };
	json_t *root, *rep;
	char *tmp = NULL;
	int fd, gzfd, ret = 0, zret;

	if (!*path || path[strlen(path) - 1] == '/')
		return errf(err, errlen, -EISDIR, "a file name is needed, not a directory");
	rep = report__to_json(r, true);
	root = rep ? json_pack("{s:s,s:i,s:o}", "format", RECORD_FORMAT, "schema_version",
			       RECORD_SCHEMA_VERSION, "report", rep) : NULL;
	if (!root)
		return errf(err, errlen, -ENOMEM, "out of memory");
	fd = tmp_create(path, &tmp);
	if (fd < 0) {
		json_decref(root);
		return errf(err, errlen, fd, "create a temporary file next to it: %s",
			    strerror(-fd));
	}
	/* gzclose closes its descriptor; ours stays open for fsync. */
	gzfd = dup(fd);
	sink.gz = gzfd >= 0 ? gzdopen(gzfd, "wb6") : NULL;
	if (!sink.gz) {
		ret = gzfd < 0 ? -errno : -ENOMEM;
		if (gzfd >= 0)
			close(gzfd);
		errf(err, errlen, ret, "open the compressor: %s", strerror(-ret));
		goto fail;
	}
	gzbuffer(sink.gz, GZ_BUF_BYTES);
	if (json_dump_callback(root, gz_put, &sink, JSON_COMPACT | JSON_PRESERVE_ORDER)) {
		ret = sink.err ? sink.err : -ENOMEM;
		gzclose(sink.gz);
		errf(err, errlen, ret, "write: %s", strerror(-ret));
		goto fail;
	}
	errno = 0;
	zret = gzclose(sink.gz); /* flushes: a full disk often shows here */
	if (zret != Z_OK) {
		ret = zret == Z_ERRNO && errno ? -errno : zret == Z_MEM_ERROR ? -ENOMEM : -EIO;
		errf(err, errlen, ret, "write: %s", strerror(-ret));
		goto fail;
	}
	if (fsync(fd) || close(fd)) {
		ret = -errno;
		fd = -1;
		errf(err, errlen, ret, "write: %s", strerror(-ret));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path)) {
		ret = -errno;
		errf(err, errlen, ret, "rename into place: %s", strerror(-ret));
		goto fail;
	}
	fsync_dir(path);
	free(tmp);
	json_decref(root);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	json_decref(root);
	return ret;
}

/* The whole decompressed content (gzread passes plain files through). */
static int read_all(int fd, char **out, size_t *outlen, char *err, size_t errlen)
{
	gzFile gz = gzdopen(fd, "rb");
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int zerr, ret = 0;

	if (!gz) {
		close(fd);
		return errf(err, errlen, -ENOMEM, "out of memory");
	}
	gzbuffer(gz, GZ_BUF_BYTES);
	for (;;) {
		int n;

		if (cap - len < READ_CHUNK) {
			size_t ncap = cap ? cap * 2 : 4 * READ_CHUNK;
			char *nb;

			if (ncap > RECORD_MAX_BYTES + READ_CHUNK)
				ncap = RECORD_MAX_BYTES + READ_CHUNK;
			nb = realloc(buf, ncap);
			if (!nb) {
				ret = errf(err, errlen, -ENOMEM, "out of memory");
				break;
			}
			buf = nb;
			cap = ncap;
		}
		errno = 0;
		n = gzread(gz, buf + len, READ_CHUNK);
		if (n < 0) {
			gzerror(gz, &zerr);
			if (zerr == Z_ERRNO)
				ret = errf(err, errlen, errno ? -errno : -EIO, "read: %s",
					   strerror(errno ? errno : EIO));
			else if (zerr == Z_MEM_ERROR)
				ret = errf(err, errlen, -ENOMEM, "out of memory");
			else
				ret = errf(err, errlen, -EINVAL, "corrupt or truncated record");
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > RECORD_MAX_BYTES) {
			ret = errf(err, errlen, -EFBIG,
				   "record decompresses to more than %llu MiB; refused",
				   RECORD_MAX_BYTES >> 20);
			break;
		}
	}
	/* A truncated gzip stream ends with Z_BUF_ERROR, a bad CRC or length with Z_DATA_ERROR. */
	if (!ret) {
		gzerror(gz, &zerr);
		if (zerr != Z_OK)
			ret = errf(err, errlen, -EINVAL, "corrupt or truncated record");
	}
	gzclose(gz);
	if (ret) {
		free(buf);
		return ret;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

/* Truncated JSON (the text ends inside the document) is corruption; anything else is foreign. */
static int parse_error(const char *buf, size_t len, const json_error_t *je, char *err,
		       size_t errlen)
{
	size_t i = 0;

	while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\t' || buf[i] == '\r'))
		i++;
	if (i < len && buf[i] == '{' && json_error_code(je) == json_error_premature_end_of_input)
		return errf(err, errlen, -EINVAL, "corrupt or truncated record");
	return errf(err, errlen, -EINVAL, "not an optrace record");
}

int record__read(const char *path, struct report *out, char *err, size_t errlen)
{
	const json_t *fmt, *ver, *rep;
	char *buf = NULL, msg[256];
	json_error_t je;
	struct stat st;
	json_t *root;
	size_t len = 0;
	int fd, ret;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errf(err, errlen, -errno, "%s", strerror(errno));
	if (fstat(fd, &st)) {
		ret = -errno;
		close(fd);
		return errf(err, errlen, ret, "%s", strerror(-ret));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return errf(err, errlen, -EISDIR, "is a directory, not a record");
	}
	if (S_ISREG(st.st_mode) && st.st_size == 0) {
		close(fd);
		return errf(err, errlen, -EINVAL, "empty file");
	}
	ret = read_all(fd, &buf, &len, err, errlen);
	if (ret)
		return ret;
	if (!len) {
		free(buf);
		return errf(err, errlen, -EINVAL, "empty file");
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		ret = parse_error(buf, len, &je, err, errlen);
		free(buf);
		return ret;
	}
	free(buf);
	fmt = json_object_get(root, "format");
	ver = json_object_get(root, "schema_version");
	rep = json_object_get(root, "report");
	if (!json_is_object(root) || !json_is_string(fmt) ||
	    strcmp(json_string_value(fmt), RECORD_FORMAT)) {
		ret = errf(err, errlen, -EINVAL, "not an optrace record");
	} else if (!json_is_integer(ver) || json_integer_value(ver) < 1) {
		ret = errf(err, errlen, -EINVAL, "bad record: schema_version: expected an integer >= 1");
	} else if (json_integer_value(ver) > RECORD_SCHEMA_VERSION) {
		ret = errf(err, errlen, -EPROTO,
			   "record schema version %lld is newer than this optrace supports (%d); "
			   "upgrade optrace", (long long)json_integer_value(ver),
			   RECORD_SCHEMA_VERSION);
	} else if (!rep) {
		ret = errf(err, errlen, -EINVAL, "bad record: report: missing");
	} else {
		ret = report__from_json(rep, out, msg, sizeof(msg));
		if (ret == -ENOMEM)
			errf(err, errlen, ret, "out of memory");
		else if (ret)
			errf(err, errlen, ret, "bad record: %s", msg);
	}
	json_decref(root);
	return ret;
}
