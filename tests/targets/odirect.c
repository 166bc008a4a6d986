// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * odirect.c - a target doing block IO of known size whose latency it times
 * itself, for the block-IO integration tests: optrace's per-request latency
 * for this process must agree with what it prints here.
 *
 *   odirect [-r READS] [-w WRITES] [-d DELAY_MS] [-s SEED] DIR
 *
 * Creates a 64 MiB file in DIR (buffered writes, then fsync, so that every
 * block is allocated and on disk), then does READS O_DIRECT reads of 4 KiB at
 * random 4 KiB-aligned offsets, each timed with CLOCK_MONOTONIC, then WRITES
 * O_DIRECT writes of 4 KiB at random offsets, each followed by an fdatasync
 * (both timed, separately).  One pread or pwrite of 4 KiB is one block
 * request, so per-call and per-request figures are comparable.  The page
 * cache is not dropped: O_DIRECT goes around it.  The file is removed at exit.
 *
 * -d sleeps between creating the file and the first read (time to attach
 * with -p).  Output is `key=value` lines on stdout (file_dev is the
 * filesystem's st_dev, MAJ:MIN; on a whole disk or a partition it is the
 * device optrace reports, on dm/md the upper device):
 *
 *   file_dev= setup_bytes=
 *   reads= read_bytes= read_p50_ns= read_p99_ns= read_mean_ns=
 *   writes= write_bytes= write_p50_ns= write_p99_ns= write_mean_ns=
 *   fsyncs= fsync_p50_ns= fsync_mean_ns=
 *
 * Exit status 0, or 1 with a message on stderr (2 for usage).  DIR must be on
 * a block-device filesystem: tmpfs accepts O_DIRECT (6.6+) but does no block
 * IO, so it is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>

#define NOINLINE __attribute__((noinline))

#define FILE_BYTES  (64ULL << 20)
#define IO_BYTES    4096ULL
#define FILL_BYTES  (1ULL << 20) /* buffered write size while creating the file */
#define NS_PER_SEC  1000000000ULL

struct lat {
	uint64_t *ns;
	size_t n;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* xorshift64*: reproducible offsets for a given seed. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static off_t random_offset(uint64_t *seed)
{
	return (off_t)(next_rand(seed) % (FILE_BYTES / IO_BYTES) * IO_BYTES);
}

/* One O_DIRECT read of IO_BYTES: one block request.  Returns pread's result. */
NOINLINE ssize_t do_read(int fd, void *buf, off_t off)
{
	return pread(fd, buf, IO_BYTES, off);
}

/* One O_DIRECT write of IO_BYTES.  Returns pwrite's result. */
NOINLINE ssize_t do_write(int fd, const void *buf, off_t off)
{
	return pwrite(fd, buf, IO_BYTES, off);
}

/* Makes the last write durable (a cache flush on devices with a write cache). */
NOINLINE int do_fsync(int fd)
{
	return fdatasync(fd);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted values. */
static uint64_t percentile(const struct lat *l, double p)
{
	size_t rank;

	if (!l->n)
		return 0;
	rank = (size_t)(p / 100.0 * l->n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > l->n)
		rank = l->n;
	return l->ns[rank - 1];
}

static void print_lat(const char *name, struct lat *l, int with_bytes)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < l->n; i++)
		sum += l->ns[i];
	qsort(l->ns, l->n, sizeof(*l->ns), cmp_u64);
	printf("%ss=%zu\n", name, l->n);
	if (with_bytes)
		printf("%s_bytes=%llu\n", name, (unsigned long long)(l->n * IO_BYTES));
	printf("%s_p50_ns=%llu\n", name, (unsigned long long)percentile(l, 50));
	printf("%s_p99_ns=%llu\n", name, (unsigned long long)percentile(l, 99));
	printf("%s_mean_ns=%llu\n", name, (unsigned long long)(l->n ? sum / l->n : 0));
}

static int create_file(const char *path)
{
	char *buf = malloc(FILL_BYTES);
	int fd, err = -1;

	if (!buf)
		return -1;
	memset(buf, 0x5a, FILL_BYTES);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (fd < 0) {
		fprintf(stderr, "odirect: create %s: %s\n", path, strerror(errno));
		goto out;
	}
	for (uint64_t done = 0; done < FILE_BYTES; done += FILL_BYTES) {
		if (write(fd, buf, FILL_BYTES) != (ssize_t)FILL_BYTES) {
			fprintf(stderr, "odirect: write %s: %s\n", path, strerror(errno));
			goto out;
		}
	}
	if (fsync(fd)) {
		fprintf(stderr, "odirect: fsync %s: %s\n", path, strerror(errno));
		goto out;
	}
	err = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

static int run(const char *path, size_t nreads, size_t nwrites, uint64_t seed)
{
	struct lat rd = { calloc(nreads + 1, sizeof(uint64_t)), 0 };
	struct lat wr = { calloc(nwrites + 1, sizeof(uint64_t)), 0 };
	struct lat fs = { calloc(nwrites + 1, sizeof(uint64_t)), 0 };
	void *buf = NULL;
	int fd = -1, err = 1;

	if (!rd.ns || !wr.ns || !fs.ns || posix_memalign(&buf, IO_BYTES, IO_BYTES)) {
		fprintf(stderr, "odirect: out of memory\n");
		goto out;
	}
	memset(buf, 0xa5, IO_BYTES);
	fd = open(path, O_RDWR | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "odirect: open %s O_DIRECT: %s\n", path, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < nreads; i++) {
		off_t off = random_offset(&seed);
		uint64_t t0 = now_ns();
		ssize_t n = do_read(fd, buf, off);

		rd.ns[rd.n++] = now_ns() - t0;
		if (n != (ssize_t)IO_BYTES) {
			fprintf(stderr, "odirect: pread: %s\n", n < 0 ? strerror(errno) : "short read");
			goto out;
		}
	}
	for (size_t i = 0; i < nwrites; i++) {
		off_t off = random_offset(&seed);
		uint64_t t0 = now_ns();
		ssize_t n = do_write(fd, buf, off);
		uint64_t t1 = now_ns();

		wr.ns[wr.n++] = t1 - t0;
		if (n != (ssize_t)IO_BYTES) {
			fprintf(stderr, "odirect: pwrite: %s\n", n < 0 ? strerror(errno) : "short write");
			goto out;
		}
		if (do_fsync(fd)) {
			fprintf(stderr, "odirect: fdatasync: %s\n", strerror(errno));
			goto out;
		}
		fs.ns[fs.n++] = now_ns() - t1;
	}
	printf("setup_bytes=%llu\n", (unsigned long long)FILE_BYTES);
	print_lat("read", &rd, 1);
	print_lat("write", &wr, 1);
	print_lat("fsync", &fs, 0);
	err = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(rd.ns);
	free(wr.ns);
	free(fs.ns);
	return err;
}

static void usage(void)
{
	fprintf(stderr, "usage: odirect [-r READS] [-w WRITES] [-d DELAY_MS] [-s SEED] DIR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	size_t nreads = 1000, nwrites = 0;
	unsigned long delay_ms = 0;
	uint64_t seed = 0x9E3779B97F4A7C15ULL;
	char path[4096];
	struct statfs sfs;
	struct stat st;
	int opt, err;

	while ((opt = getopt(argc, argv, "r:w:d:s:")) != -1) {
		switch (opt) {
		case 'r':
			nreads = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			nwrites = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			delay_ms = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0) | 1; /* xorshift needs a nonzero state */
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	snprintf(path, sizeof(path), "%s/odirect.%d.dat", argv[optind], (int)getpid());
	if (statfs(argv[optind], &sfs)) {
		fprintf(stderr, "odirect: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	if (sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC) {
		fprintf(stderr, "odirect: %s is in memory (tmpfs/ramfs): no block IO\n", argv[optind]);
		return 1;
	}

	if (create_file(path)) {
		unlink(path);
		return 1;
	}
	if (stat(path, &st) == 0)
		printf("file_dev=%u:%u\n", major(st.st_dev), minor(st.st_dev));
	if (delay_ms) {
		struct timespec ts = { delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	err = run(path, nreads, nwrites, seed);
	unlink(path);
	fflush(stdout);
	return err;
}
