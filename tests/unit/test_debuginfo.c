// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_debuginfo.c - unit tests for debuginfo.c and the stripped-file path
 * of elfsym.c: xz decoding (round trip, corrupt input), build-id paths, and
 * a stripped copy of this test binary whose symbols come back from its
 * debuglink'd debug file (at the same offsets) but not when the CRC is off.
 * Fixtures are made with strip/objcopy (binutils, a build dependency).
 */
#include <errno.h>
#include <lzma.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "debuginfo.h"
#include "elfsym.h"

__attribute__((noinline, used)) int optrace_debuginfo_probe_me(int x)
{
	return x * 3 + 1;
}

static void test_debuginfo_xz_roundtrip(void **state)
{
	uint8_t in[10000], enc[12000];
	size_t enc_len = 0, out_len;
	void *out;

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 % 251);
	assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, in, sizeof(in), enc,
						 &enc_len, sizeof(enc)), LZMA_OK);
	assert_int_equal(debuginfo__xz_decode(enc, enc_len, &out, &out_len), 0);
	assert_int_equal(out_len, sizeof(in));
	assert_memory_equal(out, in, sizeof(in));
	free(out);
	enc[enc_len / 2] ^= 0xff;
	assert_int_equal(debuginfo__xz_decode(enc, enc_len, &out, &out_len), -EBADMSG);
	assert_null(out);
	assert_int_equal(debuginfo__xz_decode("not xz", 6, &out, &out_len), -EBADMSG);
}

static void test_debuginfo_build_id_path(void **state)
{
	const uint8_t id[] = { 0xab, 0x01, 0xcd, 0xef };
	char buf[128], tiny[20];

	(void)state;
	assert_int_equal(debuginfo__build_id_path(id, sizeof(id), buf, sizeof(buf)), 0);
	assert_string_equal(buf, DEBUGINFO_ROOT "/.build-id/ab/01cdef.debug");
	assert_int_equal(debuginfo__build_id_path(id, 0, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(debuginfo__build_id_path(id, sizeof(id), tiny, sizeof(tiny)), -EINVAL);
}

static const struct elf_func *find(const struct elf_funcs *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].name, name))
			return &f->v[i];
	return NULL;
}

static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd))
		fail_msg("failed: %s", cmd);
}

static void test_debuginfo_stripped_debuglink(void **state)
{
	char dir[] = "/tmp/test_debuginfo.XXXXXX", bin[128];
	const struct elf_func *want, *got;
	struct elf_funcs self, stripped;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(bin, sizeof(bin), "%s/t", dir);
	sh("cp /proc/%d/exe %s/orig && objcopy --only-keep-debug %s/orig %s/t.debug && "
	   "strip -o %s %s/orig && objcopy --add-gnu-debuglink=%s/t.debug %s",
	   (int)getpid(), dir, dir, dir, bin, dir, dir, bin);
	assert_int_equal(elfsym__load("/proc/self/exe", &self), 0);
	assert_false(self.stripped);
	want = find(&self, "optrace_debuginfo_probe_me");
	assert_non_null(want);

	/* The debug file's symbols, at the stripped file's own offsets. */
	assert_int_equal(elfsym__load(bin, &stripped), 0);
	assert_true(stripped.stripped);
	assert_true(stripped.sources & ELFSYM_SRC_DEBUGFILE);
	assert_non_null(strstr(stripped.debug_file, "/t.debug"));
	got = find(&stripped, "optrace_debuginfo_probe_me");
	assert_non_null(got);
	assert_int_equal(got->file_off, want->file_off);
	assert_int_equal(got->endbr, want->endbr);
	elfsym__free(&stripped);

	/* A debug file that does not match the link's CRC is not used. */
	sh("echo x >> %s/t.debug", dir);
	assert_int_equal(elfsym__load(bin, &stripped), 0);
	assert_true(stripped.stripped);
	assert_false(stripped.sources & (ELFSYM_SRC_DEBUGFILE | ELFSYM_SRC_DEBUGDATA));
	assert_null(find(&stripped, "optrace_debuginfo_probe_me"));
	assert_null(stripped.debug_file);
	assert_non_null(stripped.looked);
	assert_non_null(strstr(stripped.looked, "debuglink"));
	assert_non_null(strstr(stripped.looked, "/.debug/t.debug"));
	assert_non_null(strstr(stripped.looked, ".gnu_debugdata (none)"));
	elfsym__free(&stripped);
	elfsym__free(&self);
	sh("rm -rf '%s'", dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debuginfo_xz_roundtrip),
		cmocka_unit_test(test_debuginfo_build_id_path),
		cmocka_unit_test(test_debuginfo_stripped_debuglink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
