/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sysmon.h - resource snapshots from /proc and statvfs, and the rates
 * between two snapshots.
 *
 * Per process: CPU time, faults, threads, RSS and its peak, context
 * switches, IO bytes, open fds and their limit.  Per thread: CPU time,
 * faults, context switches.  System: CPU ticks by mode, memory, swap, load
 * average, pressure stall information and disk usage per filesystem.
 *
 * Snapshots are plain data; rates are computed from two of them and a wall
 * interval the caller measured.  Nothing here prints, keeps state between
 * calls or uses globals.  Readers take a struct sysmon_opts that can point
 * them at another /proc tree (tests use fixture trees); NULL reads the real
 * /proc.
 *
 * Optional sources (a process's io, fd and limits files, pressure files,
 * vmstat, mounts) that are missing or unreadable are recorded as absent
 * (has_* == false), never as an error.
 */
#ifndef OPTRACE_SYSMON_H
#define OPTRACE_SYSMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SYSMON_COMM_LEN 64 /* kernel comms are <= 15 bytes; workqueue names are longer */

struct sysmon_opts {
	const char *proc_root; /* NULL: "/proc" */
	long clk_tck;	       /* clock ticks per second; <= 0: sysconf(_SC_CLK_TCK) */
	bool skip_fs;	       /* sysmon__read_sys: don't read mounts nor call statvfs */
};

/*
 * What a process and each of its threads have, from stat and status under
 * /proc/PID (process totals: all threads, live and exited) or
 * /proc/PID/task/TID (one thread).
 */
struct sysmon_task {
	pid_t id;			/* pid or tid */
	char state;			/* R S D Z T ... */
	char comm[SYSMON_COMM_LEN];	/* may hold spaces, parentheses, newlines */
	uint64_t utime_ns;
	uint64_t stime_ns;
	uint64_t minflt;
	uint64_t majflt;
	uint64_t starttime_ns;		/* since boot; tells a reused id apart */
	bool has_ctxsw;			/* status had both ctxt_switches lines */
	uint64_t vol_ctxsw;
	uint64_t nonvol_ctxsw;
};

/* One process, from /proc/PID/{stat,status,io,limits,fd}. */
struct sysmon_pid {
	struct sysmon_task task;	/* task.id is the pid */
	pid_t ppid;
	uint32_t num_threads;

	bool has_rss;			/* false for kernel threads and zombies */
	uint64_t rss_bytes;		/* VmRSS */
	uint64_t hwm_bytes;		/* VmHWM: peak RSS */

	bool has_io;			/* /proc/PID/io needs ptrace access */
	uint64_t read_bytes;		/* storage layer */
	uint64_t write_bytes;
	uint64_t rchar;			/* read(2)-family bytes, cache hits included */
	uint64_t wchar;

	bool has_fds;
	uint32_t nfds;			/* entries in /proc/PID/fd */
	bool has_fd_limit;
	uint64_t fd_limit;		/* RLIMIT_NOFILE soft limit; UINT64_MAX: unlimited */
};

/* Per-second figures between two snapshots of one process or thread. */
struct sysmon_pid_rates {
	double cpu_user_pct;		/* 100 = one CPU all the interval; max 100 * ncpus */
	double cpu_sys_pct;
	double cpu_pct;			/* user + system */
	double minflt_per_s;
	double majflt_per_s;
	bool has_ctxsw;			/* both snapshots had them */
	double vol_ctxsw_per_s;
	double nonvol_ctxsw_per_s;
	bool has_io;			/* both snapshots had them; never for a lone task */
	double read_bytes_per_s;
	double write_bytes_per_s;
	double rchar_per_s;
	double wchar_per_s;
};

/* CPU modes of the first line of /proc/stat, in the file's order. */
enum sysmon_cpu_mode {
	SYSMON_CPU_USER,
	SYSMON_CPU_NICE,
	SYSMON_CPU_SYSTEM,
	SYSMON_CPU_IDLE,
	SYSMON_CPU_IOWAIT,
	SYSMON_CPU_IRQ,
	SYSMON_CPU_SOFTIRQ,
	SYSMON_CPU_STEAL,
	SYSMON_CPU_NR,
};

enum sysmon_psi_res {
	SYSMON_PSI_CPU,
	SYSMON_PSI_MEMORY,
	SYSMON_PSI_IO,
	SYSMON_PSI_NR,
};

/* One line of a /proc/pressure file: % of time stalled over 10/60/300 s. */
struct sysmon_psi_line {
	double avg10;
	double avg60;
	double avg300;
	uint64_t total_us;		/* cumulative stall time */
};

struct sysmon_psi {
	bool present;			/* the file exists and has a "some" line */
	bool has_full;			/* cpu has "full" only since 5.13 */
	struct sysmon_psi_line some;	/* some task stalled */
	struct sysmon_psi_line full;	/* all non-idle tasks stalled */
};

/* One mounted filesystem, as statvfs(3) saw it. */
struct sysmon_fs {
	char *dev;			/* owned by the snapshot */
	char *dir;			/* mount point, escapes (\040) decoded */
	char *type;
	uint64_t devno;			/* st_dev of the mount point: one entry per devno */
	uint64_t total_bytes;		/* f_blocks * f_frsize */
	uint64_t used_bytes;		/* (f_blocks - f_bfree) * f_frsize */
	uint64_t avail_bytes;		/* f_bavail * f_frsize: what non-root may use */
	double used_pct;		/* as df: used / (used + avail) * 100, unrounded */
	bool has_inodes;		/* false where the fs reports no inode count (btrfs) */
	uint64_t inodes_total;
	uint64_t inodes_used;
	double inodes_used_pct;
};

struct sysmon_sys {
	uint64_t cpu_ticks[SYSMON_CPU_NR]; /* all CPUs summed, clock ticks */
	uint32_t ncpus;			/* "cpuN" lines in /proc/stat: online CPUs */
	uint64_t procs_running;
	uint64_t procs_blocked;		/* in uninterruptible (mostly IO) sleep */

	uint64_t mem_total_bytes;
	uint64_t mem_free_bytes;
	uint64_t mem_available_bytes;
	uint64_t swap_total_bytes;
	uint64_t swap_free_bytes;

	bool has_vmstat;
	uint64_t pswpin;		/* pages swapped in since boot */
	uint64_t pswpout;

	double load1;
	double load5;
	double load15;

	struct sysmon_psi psi[SYSMON_PSI_NR];

	struct sysmon_fs *fs;		/* owned; real filesystems, one per st_dev */
	size_t nfs;
};

struct sysmon_sys_rates {
	double cpu_pct[SYSMON_CPU_NR];	/* share of all CPU ticks; sums to 100 */
	double cpu_busy_pct;		/* 100 - idle - iowait */
	double mem_used_pct;		/* (total - available) / total, of the later snapshot */
	double swap_used_pct;		/* 0 without swap */
	bool has_swap_io;
	double swap_in_pages_per_s;
	double swap_out_pages_per_s;
};

/*
 * Reads a snapshot of process pid.  Returns 0, -ESRCH if the process does
 * not exist (its stat file is missing), -EINVAL if its stat file is
 * malformed, -ENAMETOOLONG for an over-long proc_root, or another negative
 * errno from reading stat.  status, io, limits and fd that are missing or
 * unreadable leave their has_* false.  *out is written only on success.
 * For pid == getpid() in the real /proc, the descriptor used to list the
 * fds is not counted.  opts may be NULL.
 */
int sysmon__read_pid(pid_t pid, struct sysmon_pid *out, const struct sysmon_opts *opts);

/*
 * Lists the threads of process pid, sorted by id.  On success returns 0
 * and *v, a malloc'd array of *n entries the caller frees with free() (NULL
 * when *n == 0).  Threads that exit while being listed are left out.
 * Returns -ESRCH if the process does not exist, -ENOMEM, or another negative
 * errno; then *v is NULL and *n is 0.  opts may be NULL.
 */
int sysmon__read_threads(pid_t pid, struct sysmon_task **v, size_t *n,
			 const struct sysmon_opts *opts);

/* The entry for id in v[0..n) sorted by id (as read), or NULL. */
const struct sysmon_task *sysmon__task_find(const struct sysmon_task *v, size_t n, pid_t id);

/*
 * Rates of one task (a thread) from snapshot a to the later snapshot b,
 * secs of wall time apart.  Counters that went backwards count as 0;
 * has_io is false.  Returns 0, -EINVAL for secs <= 0 (or NaN) or different
 * ids, -ESTALE if the id was reused (start times differ).  *out is written
 * only on success.
 */
int sysmon__task_rates(const struct sysmon_task *a, const struct sysmon_task *b, double secs,
		       struct sysmon_pid_rates *out);

/* The same for a process, with IO bytes when both snapshots have them. */
int sysmon__pid_rates(const struct sysmon_pid *a, const struct sysmon_pid *b, double secs,
		      struct sysmon_pid_rates *out);

/*
 * Reads a system snapshot into *out (overwritten, not freed: free an old
 * snapshot first), which the caller releases with sysmon__sys_free().
 * /proc/stat, /proc/meminfo and /proc/loadavg are required: returns their
 * negative errno when unreadable, -EINVAL when malformed.  /proc/vmstat,
 * /proc/pressure/{cpu,memory,io} and the mount table are optional.
 * Filesystems come from <proc_root>/self/mounts via getmntent(3): those on
 * a /dev/ device plus overlay and zfs, except read-only images (squashfs,
 * erofs, iso9660: always full), one per st_dev, with statvfs on the listed
 * mount point.  Pseudo, tmpfs and network filesystems are skipped (a dead
 * NFS server would hang statvfs).  Mount points that statvfs cannot reach
 * are skipped.  Returns -ENOMEM; on any error *out holds nothing to free.
 * opts may be NULL.
 */
int sysmon__read_sys(struct sysmon_sys *out, const struct sysmon_opts *opts);

/* Frees what a snapshot owns and zeroes it.  NULL and zeroed are fine. */
void sysmon__sys_free(struct sysmon_sys *s);

/*
 * System rates from snapshot a to the later snapshot b, secs of wall time
 * apart.  CPU shares come from tick deltas (all zero if no tick passed).
 * Returns 0, or -EINVAL for secs <= 0 (or NaN).
 */
int sysmon__sys_rates(const struct sysmon_sys *a, const struct sysmon_sys *b, double secs,
		      struct sysmon_sys_rates *out);

/* true if pid names a live process (kill(pid, 0), EPERM counts). pid <= 0: false. */
bool sysmon__pid_exists(pid_t pid);

/* Lower-case names for renderers: "user", "iowait"..., "cpu", "memory", "io". */
const char *sysmon__cpu_mode_name(enum sysmon_cpu_mode m);
const char *sysmon__psi_name(enum sysmon_psi_res r);

#endif
