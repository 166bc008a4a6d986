"""A target for run.py: calls libc's strchr through ctypes and counts wrong
results, until SIGUSR1; prints `ready pid=N` first, `calls=N bad=N` last.
The probed first instruction of strchr's implementation (__strchr_evex on
AVX-512 machines) writes a vector register, and alternating characters make
a stale register value visible."""
import ctypes
import os
import signal

libc, done, bad, n = ctypes.CDLL("libc.so.6"), [], 0, 0
libc.strchr.restype = ctypes.c_char_p
signal.signal(signal.SIGUSR1, lambda *_: done.append(1))
print("ready pid=%d" % os.getpid(), flush=True)
while not done:
    for s in (b"abc/def", b"abc-xyz"):
        n, bad = n + 1, bad + (libc.strchr(s, s[3]) != s[3:])
print("calls=%d bad=%d" % (n, bad), flush=True)
