# vmmd: build, test and install.
#
#   make                     native build (x86_64 here: tools and unit tests)
#   make ARCH=arm64          cross build for aarch64, static, against a sysroot
#   make check               every test: unit (native) and e2e (emulated arm64 host)
#   make check-unit          native unit tests (Check); SANITIZE=1 for ASan+UBSan
#   make check-valgrind      the unit tests under valgrind
#   make check-e2e           the real daemon against real KVM in an emulated arm64 host
#   make check-distro        a stock Debian bookworm guest booted by vmmd (not in check)
#   make demo                boot the emulated host and run a first guest through vmmd
#   make bench               every benchmark, one table (bench/table): native + emulated arm64 host
#   make fuzz-NAME           run the libFuzzer target fuzz/fuzz_NAME.c (FUZZ_SECONDS=60)
#   make bench-api           the control API's requests/s and latency, natively
#   make check-man           lint the man pages (also part of make check)
#   make package             the Debian packages (native and arm64), lintian-clean
#   make check-scripts       the script tests (tests/scripts: vmmctl, install-deps)
#   make install DESTDIR= PREFIX=
#
# Every dependency is found with pkg-config; scripts/install-deps installs them.

VERSION := 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
VMMD_CACHE ?= $(HOME)/.cache/vmmd
JOBS ?= $(shell nproc)

HOST_MACHINE := $(shell uname -m)
ifeq ($(ARCH),arm64)
ifneq ($(HOST_MACHINE),aarch64)
CROSS_COMPILE ?= aarch64-linux-gnu-
endif
endif

ifneq ($(CROSS_COMPILE),)
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
TARGET := $(CROSS_COMPILE:%-=%)
SYSROOT ?= $(VMMD_CACHE)/sysroot-arm64
SYSROOT_STAMP := $(SYSROOT)/.stamp
PKG_CONFIG_ENV := PKG_CONFIG_LIBDIR=$(SYSROOT)/usr/lib/aarch64-linux-gnu/pkgconfig:$(SYSROOT)/usr/share/pkgconfig \
	PKG_CONFIG_SYSROOT_DIR=$(SYSROOT)
STATIC := --static
LINK_MODE := -static
else
TARGET := native
SYSROOT_STAMP :=
PKG_CONFIG_ENV :=
STATIC :=
LINK_MODE := -Wl,--as-needed
endif

BUILD := build/$(TARGET)$(if $(SANITIZE),-sanitize)

# Expanded once, on first use (after the sysroot exists).
PKG_CONFIG := $(PKG_CONFIG_ENV) pkg-config
PACKAGES := libevent jansson libseccomp zlib
DEP_CFLAGS = $(eval DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PACKAGES)))$(DEP_CFLAGS)
DEP_LIBS = $(eval DEP_LIBS := $(shell $(PKG_CONFIG) $(STATIC) --libs $(PACKAGES)) \
	$(shell $(PKG_CONFIG) $(STATIC) --libs libfdt 2>/dev/null || echo -lfdt))$(DEP_LIBS)
CHECK_CFLAGS = $(eval CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check))$(CHECK_CFLAGS)
CHECK_LIBS = $(eval CHECK_LIBS := $(shell $(PKG_CONFIG) $(STATIC) --libs check))$(CHECK_LIBS)

CFLAGS ?= -O2 -g
WARNINGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2
ifdef SANITIZE
ifneq ($(TARGET),native)
$(error SANITIZE=1 is for native builds: the arm64 binaries are static)
endif
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS = $(WARNINGS) $(CFLAGS) $(CPPFLAGS) -DVMMD_VERSION='"$(VERSION)"' \
	-D_GNU_SOURCE -pthread $(DEP_CFLAGS) -MMD -MP

LIB_SRCS := $(wildcard core/*.c arm64/*.c api/*.c) $(filter-out vmmd/main.c,$(wildcard vmmd/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
VMMD_OBJS := $(BUILD)/obj/vmmd/main.o $(LIB_OBJS)
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o)
PAYLOADS := $(patsubst tests/payloads/%.S,$(BUILD)/payloads/%.bin,$(wildcard tests/payloads/*.S))
RESULTS := build/results

.PHONY: all deps payloads helpers check check-unit check-valgrind check-e2e demo \
	check-distro run-distro \
	install check-man package run-package check-scripts run-scripts clean run-unit \
	run-unit-valgrind run-e2e run-e2e-selftest run-demo cross \
	bench bench-programs run-bench bench-api
all: $(BUILD)/vmmd $(BUILD)/vmmctl

deps:
	@scripts/install-deps

$(SYSROOT_STAMP): scripts/make-sysroot
	@scripts/make-sysroot $(VMMD_CACHE) >/dev/null

$(BUILD)/obj/%.o: %.c | $(SYSROOT_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/tests/unit/%.o: tests/unit/%.c | $(SYSROOT_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(BUILD)/vmmd: $(VMMD_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(LINK_MODE) -pthread -o $@ $^ $(DEP_LIBS)

# vmmctl speaks the protocol with jansson alone: no KVM, no daemon code.
VMMCTL_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard vmmctl/*.c)) \
	$(BUILD)/obj/api/console_data.o
$(BUILD)/vmmctl: $(VMMCTL_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(LINK_MODE) -o $@ $^ $(DEP_LIBS)

$(BUILD)/unit-tests: $(UNIT_OBJS) $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(LINK_MODE) -pthread -o $@ $^ $(CHECK_LIBS) $(DEP_LIBS)

# Guest payloads: bare-metal arm64 programs, position independent, flat.
$(BUILD)/payloads/%.bin: tests/payloads/%.S
	@mkdir -p $(@D)
	$(CROSS_COMPILE)as -o $(@:.bin=.o) $<
	$(CROSS_COMPILE)objcopy -O binary -j .text $(@:.bin=.o) $@

payloads: $(PAYLOADS)

# Test helpers that run in the emulated host and in its guests (static).
HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/helpers/%,$(wildcard tests/helpers/*.c))
$(BUILD)/helpers/%: tests/helpers/%.c
	@mkdir -p $(@D)
	$(CC) $(WARNINGS) $(CFLAGS) -D_GNU_SOURCE $(LINK_MODE) -o $@ $<

helpers: $(HELPERS)

cross:
	@$(MAKE) --no-print-directory -j$(JOBS) ARCH=arm64 all payloads helpers

UNIT_COUNTS := $(RESULTS)/unit$(if $(SANITIZE),-sanitize).counts
run-unit: $(BUILD)/unit-tests
	@mkdir -p $(RESULTS)
	$(BUILD)/unit-tests $(UNIT_COUNTS)

# Check runs each test in the same process (CK_FORK=no) so that valgrind
# sees them; any valgrind error fails the run even when every test passed.
run-unit-valgrind: $(BUILD)/unit-tests
	@mkdir -p $(RESULTS)
	@CK_FORK=no valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite $(BUILD)/unit-tests \
		$(RESULTS)/unit-valgrind.counts; rc=$$?; \
	 if [ $$rc = 99 ]; then echo "valgrind: errors found"; \
		echo "0 1" > $(RESULTS)/unit-valgrind.counts; fi; exit $$rc

run-e2e: cross
	@mkdir -p $(RESULTS)
	tests/e2e/run --build build/aarch64-linux-gnu --cache $(VMMD_CACHE) \
		--out build/e2e --counts $(RESULTS)/e2e.counts

# A stock Debian system booted from a vmmd disk in the emulated host (the
# "distro" suite of tests/e2e/hosts); its image is built once with
# mmdebstrap (tests/e2e/make-debian-guest) and cached.
run-distro: cross
	@mkdir -p $(RESULTS)
	tests/e2e/run --build build/aarch64-linux-gnu --cache $(VMMD_CACHE) \
		--out build/e2e-distro --suite distro --counts $(RESULTS)/distro.counts

check-distro: deps
	@$(MAKE) --no-print-directory run-distro

run-e2e-selftest: cross
	@mkdir -p $(RESULTS)
	tests/e2e/selftest build/aarch64-linux-gnu $(VMMD_CACHE) build/e2e-selftest \
		$(RESULTS)/e2e-selftest.counts

run-demo: cross
	tests/e2e/run --build build/aarch64-linux-gnu --cache $(VMMD_CACHE) \
		--out build/demo --host demo --console

# Script tests: vmmctl against a real daemon, install-deps's check; make
# check runs them plain and with SANITIZE=1 (vmmd and vmmctl under ASan+UBSan).
run-scripts: $(BUILD)/vmmd $(BUILD)/vmmctl
	@mkdir -p $(RESULTS)
	tests/scripts/run $(BUILD) $(RESULTS)/scripts$(if $(SANITIZE),-sanitize).counts

check-scripts: deps
	@$(MAKE) --no-print-directory -j$(JOBS) run-scripts

check-unit: deps
	@$(MAKE) --no-print-directory -j$(JOBS) run-unit

check-e2e: deps
	@$(MAKE) --no-print-directory run-e2e

check-valgrind: deps
	@$(MAKE) --no-print-directory -j$(JOBS) run-unit-valgrind

# Every tier runs even when one fails; then one closing line for them all.
check: deps
	@rm -f $(RESULTS)/*.counts
	@$(MAKE) --no-print-directory -j$(JOBS) run-unit; \
	 $(MAKE) --no-print-directory -j$(JOBS) run-unit SANITIZE=1; \
	 $(MAKE) --no-print-directory run-unit-valgrind; \
	 $(MAKE) --no-print-directory -j$(JOBS) run-scripts; \
	 $(MAKE) --no-print-directory -j$(JOBS) run-scripts SANITIZE=1; \
	 $(MAKE) --no-print-directory run-package; \
	 $(MAKE) --no-print-directory run-e2e; \
	 $(MAKE) --no-print-directory run-e2e-selftest; \
	 $(MAKE) --no-print-directory check-man; \
	 tests/summarize $(RESULTS)/unit.counts $(RESULTS)/unit-sanitize.counts \
		$(RESULTS)/unit-valgrind.counts $(RESULTS)/scripts.counts \
		$(RESULTS)/scripts-sanitize.counts $(RESULTS)/package.counts \
		$(RESULTS)/e2e.counts $(RESULTS)/e2e-selftest.counts $(RESULTS)/man.counts

demo: deps
	@$(MAKE) --no-print-directory run-demo

# Benchmarks: programs of bench/ linked against vmmd's objects, run by the
# emulated host's "bench" suite (tests/e2e/hosts). Figures, never verdicts.
BENCH_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard bench/*.c))
$(BUILD)/bench-mmio: $(BUILD)/obj/bench/bench_mmio.o $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(LINK_MODE) -pthread -o $@ $^ $(DEP_LIBS)

$(BUILD)/bench-api: $(BUILD)/obj/bench/bench_api.o $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(LINK_MODE) -pthread -o $@ $^ $(DEP_LIBS)

# The block read benchmark runs in the host and in the guest: it stands
# alone (no vmmd objects), static like everything cross-built.
$(BUILD)/bench-blkread: $(BUILD)/obj/bench/bench_blkread.o
	$(CC) $(CFLAGS) $(LDFLAGS) $(LINK_MODE) -o $@ $^

# The console benchmark times vmmd's boots and kvmtool's from launch to the
# guest's init marker in their output with bench-marker: standalone too.
$(BUILD)/bench-marker: $(BUILD)/obj/bench/bench_marker.o
	$(CC) $(CFLAGS) $(LDFLAGS) $(LINK_MODE) -o $@ $^

bench-programs: $(BUILD)/bench-mmio $(BUILD)/bench-api $(BUILD)/bench-blkread \
	$(BUILD)/bench-marker

# The control API's benchmark runs natively: the daemon needs no KVM for it.
bench-api: deps
	@$(MAKE) --no-print-directory -j$(JOBS) $(BUILD)/bench-api
	$(BUILD)/bench-api 2>/dev/null

# make bench: one invocation, one table. The control API natively
# (BENCH_API_RUNS runs), then the emulated hosts of the bench suite
# (tests/e2e/hosts); bench/table prints the README's "Benchmarks" section
# from the bench-...: lines of their output and logs, and keeps it in
# build/bench/table.md.
BENCH_API_RUNS ?= 3
BENCH_OUT := build/bench
run-bench:
	@$(MAKE) --no-print-directory -j$(JOBS) ARCH=arm64 all payloads bench-programs
	@$(MAKE) --no-print-directory -j$(JOBS) $(BUILD)/bench-api
	@rm -rf $(BENCH_OUT) && mkdir -p $(BENCH_OUT) && start=$$(date +%s) && \
	 cut -d' ' -f1 /proc/loadavg > $(BENCH_OUT)/load-start && \
	 for i in $$(seq $(BENCH_API_RUNS)); do \
		echo "== bench-api, run $$i of $(BENCH_API_RUNS) (native)"; \
		$(BUILD)/bench-api 2>/dev/null | tee $(BENCH_OUT)/api-$$i.txt || exit 1; \
	 done; \
	 tests/e2e/run --build build/aarch64-linux-gnu --cache $(VMMD_CACHE) \
		--out $(BENCH_OUT) --suite bench; rc=$$?; \
	 cut -d' ' -f1 /proc/loadavg > $(BENCH_OUT)/load-end; \
	 bench/table $(BENCH_OUT) $$(( ($$(date +%s) - start + 30) / 60 )) \
		> $(BENCH_OUT)/table.md || rc=1; \
	 echo; cat $(BENCH_OUT)/table.md; exit $$rc

bench: deps
	@$(MAKE) --no-print-directory run-bench

# Where `make install` puts things; systemd searches both /usr and
# /usr/local for units and snippets. An existing configuration is kept.
SBINDIR ?= $(PREFIX)/sbin
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/vmmd
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
MANPAGES := man/vmmd.8 man/vmmctl.1 man/vmmd.conf.5

install: $(BUILD)/vmmd $(BUILD)/vmmctl
	install -D -m 0755 $(BUILD)/vmmd $(DESTDIR)$(SBINDIR)/vmmd
	install -D -m 0755 $(BUILD)/vmmctl $(DESTDIR)$(BINDIR)/vmmctl
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		systemd/vmmd.service.in > $(DESTDIR)$(UNITDIR)/vmmd.service
	install -m 0644 systemd/vmmd.socket $(DESTDIR)$(UNITDIR)/vmmd.socket
	install -D -m 0644 systemd/vmmd.sysusers $(DESTDIR)$(SYSUSERSDIR)/vmmd.conf
	install -D -m 0644 systemd/vmmd.tmpfiles $(DESTDIR)$(TMPFILESDIR)/vmmd.conf
	$(foreach page,$(MANPAGES),install -D -m 0644 $(page) \
		$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(page)))/$(notdir $(page)) &&) true
	install -D -m 0644 completions/vmmctl.bash $(DESTDIR)$(BASHCOMPDIR)/vmmctl
	install -D -m 0644 configs/vmmd.json $(DESTDIR)$(DOCDIR)/examples/vmmd.json
	install -m 0644 configs/vm-linux.json $(DESTDIR)$(DOCDIR)/examples/vm-linux.json
	install -m 0755 examples/launch-vms $(DESTDIR)$(DOCDIR)/examples/launch-vms
	test -e $(DESTDIR)$(SYSCONFDIR)/vmmd/vmmd.json || \
		install -D -m 0644 configs/vmmd.json $(DESTDIR)$(SYSCONFDIR)/vmmd/vmmd.json

# The manual pages render without a warning (mandoc's lint and groff's).
check-man:
	@mkdir -p $(RESULTS); passed=0; failed=0; \
	for page in $(MANPAGES); do \
		if mandoc -T lint -W warning $$page && \
		    ! groff -mandoc -ww -z $$page 2>&1 | grep .; then \
			passed=$$((passed + 1)); \
		else echo "man: $$page has warnings"; failed=$$((failed + 1)); fi; \
	done; echo "$$passed $$failed" > $(RESULTS)/man.counts; \
	echo "man: $$passed passed, $$failed failed"; [ $$failed = 0 ]

# The Debian package (debian/), for this machine's architecture and for
# arm64 (cross-built against the sysroot, static), each built from a copy of
# the tree by scripts/build-package into build/package/ and checked by
# lintian: an error or a warning fails it (debian/sysroot.lintian-overrides
# says why the static build's tags are overridden). The systemd e2e host
# installs the arm64 one (tests/e2e/mksystemd-initramfs).
PACKAGE_DIR := build/package
PACKAGE_ARCHES := $(sort $(shell dpkg --print-architecture 2>/dev/null) arm64)
PACKAGE_INPUTS := Makefile $(wildcard debian/* debian/source/* core/* arm64/* api/* \
	vmmd/* vmmctl/* systemd/* man/* completions/* configs/* examples/*) \
	scripts/build-package scripts/make-sysroot
$(PACKAGE_DIR)/vmmd_$(VERSION)_%.deb: $(PACKAGE_INPUTS)
	@VMMD_CACHE=$(VMMD_CACHE) JOBS=$(JOBS) scripts/build-package $* $(PACKAGE_DIR)

.PRECIOUS: $(PACKAGE_DIR)/vmmd_$(VERSION)_%.deb
package-deb-%: $(PACKAGE_DIR)/vmmd_$(VERSION)_%.deb
	@true

run-package:
	@mkdir -p $(RESULTS); passed=0; failed=0; \
	for arch in $(PACKAGE_ARCHES); do \
		if $(MAKE) --no-print-directory package-deb-$$arch && \
		    lintian --fail-on error,warning \
			$(PACKAGE_DIR)/vmmd_$(VERSION)_$$arch.changes; then \
			passed=$$((passed + 1)); \
		else echo "package: $$arch failed"; failed=$$((failed + 1)); fi; \
	done; echo "$$passed $$failed" > $(RESULTS)/package.counts; \
	echo "package: $$passed passed, $$failed failed"; [ $$failed = 0 ]

package: deps
	@$(MAKE) --no-print-directory run-package

# Fuzzing: each fuzz/fuzz_NAME.c is a libFuzzer target, built with clang and
# ASan+UBSan against vmmd's own sources; `make fuzz-NAME FUZZ_SECONDS=600`
# runs it from the committed seeds in fuzz/corpus/NAME (new inputs it finds
# go to build/fuzz/corpus-NAME). A crash it finds becomes a regression seed.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
# seconds one input may take: longer is a hang, and a bug
FUZZ_TIMEOUT ?= 10
FUZZ_TARGETS := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_CFLAGS := $(WARNINGS) -g -O1 -D_GNU_SOURCE -pthread -DVMMD_VERSION='"$(VERSION)"' \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

build/fuzz/fuzz-%: fuzz/fuzz_%.c $(wildcard fuzz/*.h) $(LIB_SRCS) \
		$(wildcard core/*.h arm64/*.h api/*.h vmmd/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEP_CFLAGS) -o $@ $< $(LIB_SRCS) $(DEP_LIBS)

fuzz-%: deps
	@$(MAKE) --no-print-directory build/fuzz/fuzz-$*
	@mkdir -p build/fuzz/corpus-$*
	build/fuzz/fuzz-$* -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) \
		-print_final_stats=1 \
		build/fuzz/corpus-$* fuzz/corpus/$*

clean:
	rm -rf build

-include $(VMMD_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(BENCH_OBJS:.o=.d) $(VMMCTL_OBJS:.o=.d)
