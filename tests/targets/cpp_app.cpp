// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cpp_app.cpp - a C++ target for demangling and globs (it_usdt.py):
 * cpp_app N: N rounds of store::Cache::get(int) (~100 us) and
 * store::Cache::put(int, long) (~50 us), then prints "done N".
 */
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace store {
class Cache {
public:
	__attribute__((noinline)) long get(int key);
	__attribute__((noinline)) void put(int key, long v);
	long sum = 0;
};

static void spin_us(long us)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

long Cache::get(int key)
{
	spin_us(100);
	return sum + key;
}

void Cache::put(int key, long v)
{
	spin_us(50);
	sum += key + v;
}
} // namespace store

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;
	store::Cache c;

	for (int i = 0; i < n; i++)
		c.put(i, c.get(i));
	printf("done %d %ld\n", n, c.sum);
	return 0;
}
