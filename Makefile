# optrace build.  `make` builds ./optrace; `make test` runs unit and
# integration tests; `make unit` only the unit tests.  All outputs go under $(OUT)/ except the ./optrace binary.
# V=1 shows full commands.  SAN=1 builds with ASan + UBSan into build-san/
# (`make test SAN=1`: every unit and integration test on the sanitized
# binary; the ./optrace symlink is left pointing at build/).  `make valgrind`
# runs the unit drivers under memcheck; `make fuzz` / `make fuzz-replay` build
# and run the libFuzzer targets of tests/fuzz/ (docs/reliability.md).

ifeq ($(SAN),1)
OUT	?= build-san
endif
OUT	?= build
CC	?= cc
CLANG	?= clang
BPFTOOL	?= bpftool
ARCH	:= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CFLAGS	?= -O2 -g
CFLAGS	+= -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers \
	   -D_GNU_SOURCE -MMD -MP -Iuser -Ibpf -I$(OUT)
LDLIBS	:= -lbpf -lelf -lz -llzma -ljansson -linih -lmicrohttpd -lncursesw -ldl -lpthread -lm -lstdc++
ifeq ($(SAN),1)
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS	+= -fsanitize=address,undefined
endif

# <bpf/usdt.bpf.h> includes <linux/errno.h>, whose <asm/errno.h> lives in
# the multiarch include directory, which clang -target bpf does not search.
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux -Ibpf \
	      -idirafter /usr/include/$(shell $(CC) -dumpmachine) \
	      -Wall -Werror -MMD -MP

# ops.bpf.o defines the shared maps and must come first: libbpf 1.1's linker
# mis-resolves extern maps used by an object linked before their definition.
BPF_SRCS  := bpf/ops.bpf.c $(filter-out bpf/ops.bpf.c,$(wildcard bpf/*.bpf.c))
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUT)/user/%.o,$(USER_SRCS))
SKEL	  := $(OUT)/optrace.skel.h

# Unit tests: tests/unit/test_<module>.c links the modules listed in
# TEST_<module>_MODS (and cmocka) only.
TEST_hist_MODS	 := hist
TEST_probes_MODS := probes binpath elfsym debuginfo log usdt demangle
TEST_usdt_MODS   := usdt demangle
TEST_units_MODS	 := units
TEST_agg_MODS	 := agg hist split blkio errnames errmode
TEST_render_MODS := errmode render_text render_loss render_json render_res render_findings alert config trend hist units \
		    errnames sysmon finding
TEST_sysmon_MODS := sysmon
TEST_blkio_MODS := blkio hist
TEST_compare_MODS := compare compare_stats render_compare cmd_compare hist units log
TEST_exports_MODS := errmode render_csv render_loss render_prom render_html render_perfetto hist units errnames finding sysmon
TEST_record_MODS := errmode record report_read render_json render_text render_loss render_res report hist units \
		    errnames sysmon finding calib elfsym debuginfo demangle agg blkio split render_findings alert \
		    config trend
TEST_serve_MODS := errmode serve render_json render_prom render_res finding hist units errnames sysmon
TEST_top_MODS   := top units
TEST_analyze_MODS := analyze analyze_ops trend config units errnames finding render_findings alert
TEST_trend_MODS   := trend
TEST_config_MODS  := config units
TEST_alert_MODS   := alert config units finding render_findings trend
TEST_cgroup_MODS  := cgroup
TEST_debuginfo_MODS := debuginfo elfsym demangle
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))
TARGET_SRCS := $(wildcard tests/targets/*.c)
TARGET_BINS := $(patsubst tests/targets/%.c,$(OUT)/targets/%,$(TARGET_SRCS)) \
	       $(OUT)/targets/workload-cet $(OUT)/targets/cpp_app

.DELETE_ON_ERROR:
.PHONY: all clean test unit integration targets

# Only the default build owns the ./optrace symlink: a build in another
# OUT (SAN=1 uses build-san) must not re-point what everyone else runs.
ifeq ($(OUT),build)
BIN_LINK := optrace
else
BIN_LINK := $(OUT)/optrace
endif

all: $(BIN_LINK)

optrace: $(OUT)/optrace
	$(Q)ln -sf $(OUT)/optrace $@

$(OUT)/optrace: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/user/%.o: user/%.c | $(OUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# Only the tracer includes the skeleton.
$(OUT)/user/tracer.o: $(SKEL)

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# Several BPF objects linked into one skeleton.
$(OUT)/optrace.bpf.o: $(BPF_OBJS)
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKEL): $(OUT)/optrace.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name optrace_bpf > $@

$(OUT)/user $(OUT)/bpf $(OUT)/tests $(OUT)/targets:
	$(Q)mkdir -p $@

# ---- tests ----
.SECONDEXPANSION:
$(OUT)/tests/test_%: tests/unit/test_%.c $$(addprefix $(OUT)/user/,$$(addsuffix .o,$$(TEST_$$*_MODS))) | $(OUT)/tests
	$(call msg,TEST-CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# Test targets are built the way real applications are: -O2, frame
# pointers, and functions marked noinline where the tests probe them.
TARGET_CFLAGS := -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -pthread -Iinclude
$(OUT)/targets/%: tests/targets/%.c | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CC) $(TARGET_CFLAGS) -o $@ $< -pthread -lm

# A C++ target (demangling, globs over demangled names).
CXX ?= g++
$(OUT)/targets/cpp_app: tests/targets/cpp_app.cpp | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CXX) -O2 -g -Wall -Wextra -Werror -o $@ $<

# The same workload built as CET distributions build (every function starts
# with endbr64): optrace must probe the instruction after it.
$(OUT)/targets/workload-cet: tests/targets/workload.c | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CC) $(TARGET_CFLAGS) -fcf-protection=full -o $@ $< -pthread -lm

unit: $(UNIT_BINS)
	$(Q)scripts/run-unit.sh $(UNIT_BINS)

targets: $(TARGET_BINS)

integration: optrace targets
	$(Q)python3 tests/integration/run.py

# The integration tests run the targets from build/targets (unsanitized:
# they are the programs being traced), whatever OUT is.
test: $(BIN_LINK) $(UNIT_BINS) targets
ifneq ($(OUT),build)
	$(Q)$(MAKE) --no-print-directory OUT=build SAN= targets
endif
	$(Q)OUT=$(OUT) SAN=$(SAN) scripts/run-tests.sh

# ---- benchmarks (tests/bench/; see docs/benchmarks.md) ----
# `make bench` runs the whole comparison; `make test` runs its smoke mode,
# so the benchmark binaries are built for it too.
BENCH_CONSUMER_MODS := events agg hist split blkio errnames errmode spans
BENCH_BINS := $(OUT)/bench/target $(OUT)/bench/target-cet $(OUT)/bench/floor $(OUT)/targets/regress \
	      $(OUT)/bench/floor.bpf.o $(OUT)/bench/consumer $(OUT)/bench/accuracy \
	      $(OUT)/bench/flood $(OUT)/bench/flood.bpf.o
.PHONY: bench bench-bins

$(OUT)/bench:
	$(Q)mkdir -p $@

$(OUT)/bench/target: tests/bench/target.c | $(OUT)/bench
	$(call msg,TARGET,$@)
	$(Q)$(CC) $(TARGET_CFLAGS) -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -o $@ $< -pthread

$(OUT)/bench/target-cet: tests/bench/target.c | $(OUT)/bench
	$(call msg,TARGET,$@)
	$(Q)$(CC) $(TARGET_CFLAGS) -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fcf-protection=full -o $@ $< -pthread

$(OUT)/bench/floor.bpf.o: tests/bench/floor.bpf.c | $(OUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/bench/flood.bpf.o: tests/bench/flood.bpf.c bpf/optrace.h | $(OUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/bench/flood: tests/bench/flood.c $(addprefix $(OUT)/user/,$(addsuffix .o,$(BENCH_CONSUMER_MODS))) | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -pthread

$(OUT)/bench/floor: tests/bench/floor.c | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< -lbpf -lelf -lz

$(OUT)/bench/consumer: tests/bench/consumer.c $(addprefix $(OUT)/user/,$(addsuffix .o,$(BENCH_CONSUMER_MODS))) | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/bench/accuracy: tests/bench/accuracy.c $(OUT)/user/hist.o | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lm

bench-bins: $(BENCH_BINS)

# SAN=1 skips the benchmark smoke run (ASan's overhead voids its timing checks).
ifneq ($(SAN),1)
test: bench-bins
endif

bench: optrace bench-bins
	$(Q)tests/bench/run.sh

# ---- valgrind (memcheck) over the unit drivers of a plain build ----
# test_serve (libmicrohttpd threads, real sockets with timeouts) and test_top
# (forks tmux) are left out: see docs/reliability.md.
VALGRIND_SKIP := test_serve test_top
VALGRIND_BINS := $(filter-out $(addprefix $(OUT)/tests/,$(VALGRIND_SKIP)),$(UNIT_BINS))
.PHONY: valgrind
valgrind: $(VALGRIND_BINS)
ifeq ($(SAN),1)
	$(error valgrind and SAN=1 do not mix: run `make valgrind` on the plain build)
endif
	$(Q)tests/fuzz/valgrind.sh $(VALGRIND_BINS)

# ---- fuzzing (tests/fuzz/; libFuzzer needs clang) ----
# Each tests/fuzz/fuzz_<name>.c links the modules in FUZZ_<name>_MODS,
# compiled again by clang with ASan + UBSan + coverage into $(FUZZ_OUT)/.
# `make fuzz` runs each for FUZZ_SECONDS on a scratch copy of its seed corpus
# (tests/fuzz/corpus/<name>/, which is never written); crashes are saved in
# $(FUZZ_OUT)/crashes/<name>/.  `make fuzz-replay` runs every corpus file once
# (the regression tests: a crash found once is added to the corpus).
FUZZ_OUT	?= build-fuzz
FUZZ_SECONDS	?= 30
FUZZ_CC		?= clang
FUZZ_CFLAGS	:= -O1 -g -std=gnu11 -Wall -Wextra -Wno-missing-field-initializers \
		   -Wno-unused-parameter -D_GNU_SOURCE -Iuser -Ibpf \
		   -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
		   -fno-sanitize-recover=undefined
FUZZ_probe_spec_MODS := $(TEST_probes_MODS) usdt
FUZZ_config_MODS     := $(TEST_config_MODS)
FUZZ_record_MODS     := $(TEST_record_MODS)
FUZZ_record_EXTRA    := $(FUZZ_OUT)/stub_res.o
FUZZ_report_json_MODS := $(TEST_record_MODS)
FUZZ_report_json_EXTRA := $(FUZZ_OUT)/stub_res.o
FUZZ_cmp_rule_MODS   := compare compare_stats hist units log
FUZZ_http_MODS       := $(TEST_serve_MODS)
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS  := $(addprefix $(FUZZ_OUT)/fuzz_,$(FUZZ_NAMES))
.PHONY: fuzz fuzz-build fuzz-replay

$(FUZZ_OUT)/user/%.o: user/%.c | $(FUZZ_OUT)/user
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_OUT)/%.o: tests/fuzz/%.c | $(FUZZ_OUT)/user
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_OUT)/fuzz_%: $(FUZZ_OUT)/fuzz_%.o $$(FUZZ_$$*_EXTRA) $$(addprefix $(FUZZ_OUT)/user/,$$(addsuffix .o,$$(sort $$(FUZZ_$$*_MODS)))) | $(FUZZ_OUT)/user
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

.PRECIOUS: $(FUZZ_OUT)/user/%.o $(FUZZ_OUT)/%.o

$(FUZZ_OUT)/user:
	$(Q)mkdir -p $@

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	$(Q)FUZZ_OUT=$(FUZZ_OUT) tests/fuzz/run.sh fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)

fuzz-replay: fuzz-build
	$(Q)FUZZ_OUT=$(FUZZ_OUT) tests/fuzz/run.sh replay 0 $(FUZZ_NAMES)

clean:
	$(Q)rm -rf $(OUT) optrace

-include $(wildcard $(OUT)/user/*.d $(OUT)/bpf/*.d $(OUT)/tests/*.d)
-include $(wildcard $(OUT)/bench/*.d)
-include $(wildcard $(FUZZ_OUT)/user/*.d $(FUZZ_OUT)/*.d)
