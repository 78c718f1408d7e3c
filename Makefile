# SPDX-License-Identifier: GPL-2.0
#
# gsched: build the module, the library and the selftests; run them in a
# QEMU guest.
#
#   make                 module (for KDIR), libgsched, selftests, examples
#   make check           selftests in the Debian 6.1 guest (KVER=6.12 too)
#   make check-all       both kernels
#   make demo            the examples in the guest
#   make lint            checkpatch + sparse on the module
#   make install         libgsched, headers, gsched.pc, man pages, gstat,
#                        gtrace (PREFIX=/usr/local LIBDIR DESTDIR);
#                        make uninstall
#   make check-static    the host-only checks (install, symbols, man pages,
#                        gtrace's conversion)
#   make asan            libgsched, selftests, examples with ASan (build/asan)
#   make check-asan, check-valgrind, check-dkms-guest, check-deb-guest
#                        guest checks outside make check (see below)
#
# KDIR: the kernel build tree. Default: the running kernel's, when it has
# one and KVER was not given; otherwise the Debian headers of KVER (6.1).

ROOT      := $(CURDIR)
KVER      ?= 6.1
BUILD     := $(ROOT)/build

ifeq ($(origin KDIR),undefined)
  ifeq ($(origin KVER),file)
    KDIR := $(wildcard /lib/modules/$(shell uname -r)/build)
  endif
  ifeq ($(KVER),debug)
    # the debug kernel's build tree (tools/build-debug-kernel)
    KDIR := $(shell $(ROOT)/tools/kernel-version --kdir debug 2>/dev/null)
  else ifeq ($(KDIR),)
    KVER_FULL := $(shell $(ROOT)/tools/kernel-version $(KVER) 2>/dev/null)
    KDIR := /usr/src/linux-headers-$(KVER_FULL)
  endif
endif
KREL      := $(patsubst linux-headers-%,%,$(notdir $(realpath $(KDIR))))
KMOD_DIR  := $(BUILD)/kmod/$(KREL)

CC        ?= cc
CFLAGS    ?= -O2 -g
WARN      := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes \
	     -Wmissing-prototypes
LIB_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -fPIC -fvisibility=hidden \
	      -I$(ROOT)/lib/include -I$(ROOT) -D_GNU_SOURCE \
	      -fno-plt -fno-reorder-functions -fno-reorder-blocks-and-partition
OBJCOPY   ?= objcopy
READELF   ?= readelf
# All of libgsched's code goes into one section, gsched_text, so that the
# preemption handler can tell it from the program's (lib/src/preempt.c).
# Fail when the compiler put code anywhere else. (The objects depend on
# this Makefile: one built before these rules must not be linked.)
define lib_text
	$(OBJCOPY) --rename-section \
		.text=gsched_text,alloc,load,readonly,code,contents $@ || \
		{ rm -f $@; exit 1; }
	@$(READELF) -SW $@ | sed 's/^ *\[ *[0-9]*\]//' | awk \
		'$$7 ~ /X/ && $$1 != "gsched_text" { bad = 1; \
		  print "$@: code outside gsched_text: " $$1 } END { exit bad }' \
		|| { rm -f $@; exit 1; }
endef

LIB_VERSION := 0.2.0
LIB_SONAME  := libgsched.so.0
LIB_OUT     := $(BUILD)/lib
LIB_SRCS    := $(wildcard lib/src/*.c)
LIB_ASM     := lib/arch/x86_64/switch.S
LIB_OBJS    := $(patsubst lib/%.c,$(LIB_OUT)/obj/%.o,$(LIB_SRCS)) \
	       $(patsubst lib/%.S,$(LIB_OUT)/obj/%.o,$(LIB_ASM))
LIB_HDRS    := lib/include/gsched.h uapi/gsched.h $(wildcard lib/src/*.h)

# kselftest_harness.h comes from Debian's linux-source package, extracted
# at build time and never copied into the repository.
KSFT_TAR  := $(firstword $(wildcard /usr/src/linux-source-6.1.tar.xz) \
	       $(wildcard /usr/src/linux-source-*.tar.xz))
KSFT_DIR  := $(BUILD)/kselftest
KSFT_HDR  := $(KSFT_DIR)/kselftest_harness.h

TEST_SRCS := $(wildcard selftests/*_test.c)
# Ports of Go's own tests: selftests/go/NAME.c is build/selftests/go_NAME_test
# (tools/run-tests runs every build/selftests/*_test).
GO_TEST_SRCS := $(wildcard selftests/go/*.c)
TEST_BINS := $(patsubst selftests/%.c,$(BUILD)/selftests/%,$(TEST_SRCS)) \
	     $(patsubst selftests/go/%.c,$(BUILD)/selftests/go_%_test,$(GO_TEST_SRCS))
TEST_CFLAGS := $(CFLAGS) -Wall -Wextra -Wno-unused-parameter -std=gnu11 \
	       -D_GNU_SOURCE -I$(KSFT_DIR) -I$(ROOT)/lib/include -I$(ROOT) \
	       -pthread

EX_SRCS   := $(wildcard examples/*.c)
EX_BINS   := $(patsubst examples/%.c,$(BUILD)/examples/%,$(EX_SRCS))

.PHONY: all module vm-pin lib selftests examples check check-all demo clean lint \
	deps help check-debug debug-kernel bench

all: module lib selftests examples

help:
	@sed -n '3,21p' Makefile

# ---- module --------------------------------------------------------------
# Kbuild writes objects next to the sources, so each kernel gets its own
# copy of the tree under build/kmod/<release>/ (cp -p keeps timestamps, so
# unchanged files are not rebuilt).
module:
	@test -n "$(KREL)" || { echo "no kernel build tree at '$(KDIR)':" \
		"run tools/install-deps --kernel $(KVER) or set KDIR" >&2; exit 1; }
	@mkdir -p $(KMOD_DIR)/module $(KMOD_DIR)/uapi
	@cp -p Kbuild $(KMOD_DIR)/Kbuild
	@cp -p module/*.c module/*.h $(KMOD_DIR)/module/
	@cp -p uapi/gsched.h $(KMOD_DIR)/uapi/
	$(MAKE) -C $(KDIR) M=$(KMOD_DIR) W=1 $(if $(C),C=$(C) CHECK="$(CHECK)") modules
	@$(ROOT)/tools/module-btf --kdir $(KDIR) $(KMOD_DIR)/gsched.ko
	@echo "module: $(KMOD_DIR)/gsched.ko"

# The test guests' helper that keeps preempt_notifier_key on
# (tools/vm/pin/gsched_vm_pin.c); tools/gsched-vm builds and loads it.
vm-pin:
	@test -n "$(KREL)" || { echo "no kernel build tree at '$(KDIR)'" >&2; exit 1; }
	@mkdir -p $(KMOD_DIR)/vm-pin
	@cp -p tools/vm/pin/gsched_vm_pin.c $(KMOD_DIR)/vm-pin/
	@echo 'obj-m := gsched_vm_pin.o' >$(KMOD_DIR)/vm-pin/Kbuild
	$(MAKE) -C $(KDIR) M=$(KMOD_DIR)/vm-pin modules

# ---- library -------------------------------------------------------------
lib: $(LIB_OUT)/libgsched.so $(LIB_OUT)/libgsched.a $(LIB_OUT)/gsched.pc

$(LIB_OUT)/obj/%.o: lib/%.c $(LIB_HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(LIB_CFLAGS) -c -o $@ $<
	$(lib_text)

$(LIB_OUT)/obj/%.o: lib/%.S Makefile
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -c -o $@ $<
	$(lib_text)

$(LIB_OUT)/libgsched.so.$(LIB_VERSION): $(LIB_OBJS) lib/libgsched.map
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script=lib/libgsched.map -Wl,-z,noexecstack \
		-o $@ $(LIB_OBJS) -pthread

$(LIB_OUT)/libgsched.so: $(LIB_OUT)/libgsched.so.$(LIB_VERSION)
	ln -sf libgsched.so.$(LIB_VERSION) $(LIB_OUT)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $@

$(LIB_OUT)/libgsched.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

# gsched.pc: this one names the build tree (PKG_CONFIG_PATH=build/lib);
# make install writes one naming the installed paths.
pc_subst = sed -e 's|@PREFIX@|$(1)|; s|@VERSION@|$(LIB_VERSION)|' \
	       -e 's|@LIBDIR@|$(2)|; s|@INCDIR@|$(3)|'
$(LIB_OUT)/gsched.pc: lib/gsched.pc.in Makefile
	$(call pc_subst,$(BUILD),$(LIB_OUT),$(ROOT)/lib/include) $< > $@

# ---- install -------------------------------------------------------------
# make install [PREFIX=/usr/local] [LIBDIR=...] [DESTDIR=...]: the library,
# its headers (gsched.h and the uapi header as gsched/uapi.h, which
# gsched.h includes relative to itself), gsched.pc, the man pages, gstat,
# the bpftrace scripts, and gtrace with its HTML viewer (gtrace learns the
# viewer's installed path). make uninstall removes exactly these files.
# The module is not installed here: dkms.conf builds it for each kernel.
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
SBINDIR    ?= $(PREFIX)/sbin
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BPFTRACEDIR := $(DATADIR)/gsched/bpftrace
GTRACEDIR  := $(DATADIR)/gsched
INSTALL    ?= install

MAN_PAGES := $(wildcard man/*.[1378])
BT_SCRIPTS := $(wildcard tools/bpftrace/*.bt)

.PHONY: install uninstall
install: lib
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/gsched $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(BPFTRACEDIR) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 0755 $(LIB_OUT)/libgsched.so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libgsched.so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libgsched.so
	$(INSTALL) -m 0644 $(LIB_OUT)/libgsched.a $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 0644 lib/include/gsched.h $(DESTDIR)$(INCLUDEDIR)/gsched.h
	$(INSTALL) -m 0644 uapi/gsched.h $(DESTDIR)$(INCLUDEDIR)/gsched/uapi.h
	$(call pc_subst,$(PREFIX),$(LIBDIR),$(INCLUDEDIR)) lib/gsched.pc.in \
		> $(DESTDIR)$(PKGCONFIGDIR)/gsched.pc
	$(INSTALL) -m 0755 tools/gstat $(DESTDIR)$(SBINDIR)/gstat
	$(INSTALL) -m 0755 tools/bpftrace/run $(BT_SCRIPTS) $(DESTDIR)$(BPFTRACEDIR)/
	sed 's|^SHARE_DIR = None$$|SHARE_DIR = "$(GTRACEDIR)"|' tools/gtrace \
		> $(DESTDIR)$(BINDIR)/gtrace
	chmod 0755 $(DESTDIR)$(BINDIR)/gtrace
	$(INSTALL) -m 0644 tools/gtrace.html $(DESTDIR)$(GTRACEDIR)/gtrace.html
	@set -e; for s in 1 3 7 8; do \
		pages=$$(ls man/*.$$s 2>/dev/null || true); \
		[ -n "$$pages" ] || continue; \
		echo "$(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$s"; \
		$(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$s; \
		echo "$(INSTALL) -m 0644 man/*.$$s $(DESTDIR)$(MANDIR)/man$$s/"; \
		$(INSTALL) -m 0644 $$pages $(DESTDIR)$(MANDIR)/man$$s/; \
	done

# make install-dkms [DESTDIR=...]: the module's sources as DKMS wants
# them, in /usr/src/gsched-<version> (dkms.conf); then, as root,
# "dkms install gsched/<version>" builds and installs it for a kernel.
MOD_VERSION := $(shell sed -n 's/^\#define GSCHED_VERSION[\t ]*"\(.*\)"/\1/p' module/gsched.h)
DKMS_DIR   ?= /usr/src/gsched-$(MOD_VERSION)
DKMS_FILES := dkms.conf Kbuild $(wildcard module/*.c module/*.h) uapi/gsched.h

.PHONY: install-dkms uninstall-dkms
install-dkms:
	@grep -qx 'PACKAGE_VERSION="$(MOD_VERSION)"' dkms.conf || { echo \
		"dkms.conf: PACKAGE_VERSION is not $(MOD_VERSION) (module/gsched.h)" >&2; exit 1; }
	$(INSTALL) -d $(DESTDIR)$(DKMS_DIR)/module $(DESTDIR)$(DKMS_DIR)/uapi
	$(INSTALL) -m 0644 dkms.conf Kbuild $(DESTDIR)$(DKMS_DIR)/
	$(INSTALL) -m 0644 $(filter module/%,$(DKMS_FILES)) $(DESTDIR)$(DKMS_DIR)/module/
	$(INSTALL) -m 0644 uapi/gsched.h $(DESTDIR)$(DKMS_DIR)/uapi/

uninstall-dkms:
	rm -rf $(DESTDIR)$(DKMS_DIR)

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libgsched.so.$(LIB_VERSION) \
		$(DESTDIR)$(LIBDIR)/$(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libgsched.so \
		$(DESTDIR)$(LIBDIR)/libgsched.a $(DESTDIR)$(PKGCONFIGDIR)/gsched.pc \
		$(DESTDIR)$(INCLUDEDIR)/gsched.h $(DESTDIR)$(INCLUDEDIR)/gsched/uapi.h \
		$(DESTDIR)$(SBINDIR)/gstat $(DESTDIR)$(BPFTRACEDIR)/run \
		$(DESTDIR)$(BINDIR)/gtrace $(DESTDIR)$(GTRACEDIR)/gtrace.html \
		$(addprefix $(DESTDIR)$(BPFTRACEDIR)/,$(notdir $(BT_SCRIPTS))) \
		$(foreach p,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p)))
	rmdir $(DESTDIR)$(INCLUDEDIR)/gsched $(DESTDIR)$(BPFTRACEDIR) \
		$(DESTDIR)$(DATADIR)/gsched 2>/dev/null || true

# ---- host checks ---------------------------------------------------------
# make check-static: what can be verified without the guest (no module is
# loaded): make install/uninstall and a program built from the installed
# files alone (tools/check-install); the symbol map against gsched.h, the
# .so and the released ABI (tools/check-symbols); a man page for every
# exported function, matching the header and rendering without warnings
# (tools/check-man); tools/gtrace's conversion of a sample trace
# (tools/check-gtrace).
CHECK_STATIC := tools/check-install tools/check-symbols tools/check-man \
		tools/check-header tools/check-gtrace
.PHONY: check-static
check-static: lib
	@set -e; for c in $(CHECK_STATIC); do echo "== $$c"; $$c; done

# make check-dkms: dkms add + dkms build of the install-dkms tree for the
# Debian 6.1 and 6.12 kernels, in private DKMS trees (tools/check-dkms);
# nothing is installed or loaded.
.PHONY: check-dkms
check-dkms:
	tools/install-deps --kernel all --package
	tools/check-dkms

# ---- Debian packages -----------------------------------------------------
# make deb: gsched-dkms, libgsched0, libgsched-dev and gsched-tools from
# the files git tracks (as they are in the work tree), built with
# dpkg-buildpackage in build/deb/gsched-<version>, so the .debs land in
# build/deb; then lintian, which fails on any error, and tools/check-deb
# (the packages' contents, and a program built from them alone).
DEB_DIR := $(BUILD)/deb
.PHONY: deb
deb:
	tools/install-deps --package
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/gsched-$(MOD_VERSION)
	git ls-files -z | tar --null -T - -cf - | \
		tar -xf - -C $(DEB_DIR)/gsched-$(MOD_VERSION)
	cd $(DEB_DIR)/gsched-$(MOD_VERSION) && dpkg-buildpackage -us -uc -b
	lintian --fail-on error --info $(DEB_DIR)/gsched_*.changes
	tools/check-deb $(DEB_DIR)

# ---- selftests -----------------------------------------------------------
$(KSFT_HDR):
	@test -n "$(KSFT_TAR)" || { echo "linux-source-6.1 is not installed:" \
		"run tools/install-deps" >&2; exit 1; }
	@mkdir -p $(KSFT_DIR)
	tar -xJf $(KSFT_TAR) -C $(KSFT_DIR) --strip-components=4 --wildcards \
		'*/tools/testing/selftests/kselftest_harness.h' \
		'*/tools/testing/selftests/kselftest.h'
	@touch $@

# A binary whose source is gone (a test file split or renamed) would still
# be run by tools/run-tests, which runs every build/selftests/*_test.
selftests: $(TEST_BINS)
	@rm -f $(filter-out $(TEST_BINS),$(wildcard $(BUILD)/selftests/*_test))

$(BUILD)/selftests/%: selftests/%.c $(wildcard selftests/*.h) $(KSFT_HDR) \
		$(LIB_OUT)/libgsched.a $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(LIB_OUT)/libgsched.a

# compat_test binds the GSCHED_0.2 versions, which only the shared library
# has: it links build/lib/libgsched.so, found through its rpath.
$(BUILD)/selftests/compat_test: selftests/compat_test.c \
		$(wildcard selftests/*.h) $(KSFT_HDR) $(LIB_OUT)/libgsched.so \
		$(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< -L$(LIB_OUT) -lgsched \
		-Wl,-rpath,'$$ORIGIN/../lib'

$(BUILD)/selftests/go_%_test: selftests/go/%.c $(wildcard selftests/*.h) \
		$(wildcard selftests/go/*.h) $(KSFT_HDR) $(LIB_OUT)/libgsched.a \
		$(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -I$(ROOT)/selftests -o $@ $< $(LIB_OUT)/libgsched.a

# ---- examples ------------------------------------------------------------
examples: $(EX_BINS)

$(BUILD)/examples/%: examples/%.c $(LIB_OUT)/libgsched.a $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -std=gnu11 -I$(ROOT)/lib/include -I$(ROOT) \
		-o $@ $< $(LIB_OUT)/libgsched.a -pthread

# ---- AddressSanitizer and valgrind ---------------------------------------
# make asan: libgsched, the selftests (selftests/asan too) and the examples
# built with -fsanitize=address into build/asan: the same rules, run again
# with another BUILD. The library tells ASan about every task switch
# (lib/src/sanitize.h). Only make asan builds selftests/asan.
ASAN_BUILD  := $(BUILD)/asan
ASAN_CFLAGS := -O2 -g -fno-omit-frame-pointer -fsanitize=address
ASAN_TESTS  := $(patsubst selftests/%.c,$(BUILD)/selftests/%,\
		$(wildcard selftests/asan/*_test.c))
.PHONY: asan asan-bins
asan:
	$(MAKE) asan-bins BUILD=$(ASAN_BUILD) KSFT_DIR=$(KSFT_DIR) \
		CFLAGS="$(ASAN_CFLAGS)" LDFLAGS=-fsanitize=address
asan-bins: lib selftests examples $(ASAN_TESTS)

# ---- guest runs ----------------------------------------------------------
deps:
	tools/install-deps --kernel $(KVER)

# The guest's time limit: about 4-9 minutes are usual, the rest is for a
# noisy host; a hung guest fails with its kernel log, not CI's limit.
# GSCHED_CHECK_DEBUG_BUILDS=1 (after make asan) adds the ASan and valgrind
# runs to the same guest (tools/run-tests); make check does not set it yet:
# under ASan the preemption tests' rates fail on 6.12.
CHECK_TIMEOUT ?= 1800
check: deps
	$(MAKE) all KVER=$(KVER)
	$(MAKE) check-static
	tools/gsched-vm --kernel $(KVER) --timeout $(CHECK_TIMEOUT) -- tools/run-tests

check-all:
	$(MAKE) check KVER=6.1
	$(MAKE) check KVER=6.12

# The debug guest kernel, built once into the cache (tens of minutes).
debug-kernel:
	tools/build-debug-kernel

# make check-debug: the selftests, a fault-injection pass and the ioctl
# fuzzer (CHECK_FUZZ_SECONDS as root, then as much as nobody), each in a
# debug kernel guest (KASAN, lockdep, kmemleak, ...) whose log must stay
# clean; each run ends with a kmemleak scan after rmmod (tools/vm/stage2).
# All runs always happen; any failing fails the target. Each guest has a
# time limit well above its usual time (CHECK_DEBUG_TIMEOUTS: selftests,
# fault injection, fuzzer, in seconds), so that a hung guest fails with
# its kernel log (hung-task reports) instead of running into CI's limit;
# the random fault-injection pass gives each test binary CHECK_FI_TIMEOUT
# seconds (a binary that runs out of time is reported, not failed).
# CHECK_DEBUG_EXCLUDE names the tests the debug guest leaves out (run-tests
# lists and counts them): the bpftrace tests check the scripts in
# tools/bpftrace, which the 6.1 and 6.12 guests run; in the debug guest
# bpftrace alone spends 60-150 s per script, and the tracepoints under
# them are checked there by obs.tracepoint_chan_op_exact.
CHECK_FUZZ_SECONDS ?= 60
CHECK_FI_TIMEOUT ?= 60
CHECK_DEBUG_TIMEOUTS ?= 2700 2100 900
CHECK_DEBUG_EXCLUDE ?= obs.bpftrace_*
check-debug: export GSCHED_TEST_EXCLUDE = $(CHECK_DEBUG_EXCLUDE)
check-debug: debug-kernel
	$(MAKE) all KVER=debug
	@set -- $(CHECK_DEBUG_TIMEOUTS); rc=0; \
	echo "tools/gsched-vm --kernel debug --timeout $$1 -- tools/run-tests"; \
	tools/gsched-vm --kernel debug --timeout $$1 -- tools/run-tests || rc=1; \
	echo "tools/gsched-vm --kernel debug --timeout $$2 -- tools/fault-inject-run"; \
	GSCHED_FI_TIMEOUT=$(CHECK_FI_TIMEOUT) \
		tools/gsched-vm --kernel debug --timeout $$2 -- tools/fault-inject-run || rc=1; \
	echo "tools/gsched-vm --kernel debug --timeout $$3 -- tools/fuzz/run"; \
	GSCHED_FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS) \
		tools/gsched-vm --kernel debug --timeout $$3 -- tools/fuzz/run || rc=1; \
	exit $$rc

demo: deps
	$(MAKE) all KVER=$(KVER)
	tools/gsched-vm --kernel $(KVER) -- tools/demo

# Guest checks of the debugging builds and the user's way of installing,
# each in its own guest (one boot can run several of the scripts:
# Documentation/install.rst). KVER=6.1 or 6.12.
#   check-asan        selftests/asan/run: the make asan build (ASan
#                     selftests, a set of the selftests, the examples)
#   check-valgrind    tools/valgrind-examples: the examples under memcheck
#   check-dkms-guest  tools/dkms-guest: make install-dkms, DKMS builds and
#                     installs the module in the guest, modprobe, examples
#   check-deb-guest   tools/deb-guest: make deb, then dpkg -i in the guest,
#                     a program built with pkg-config gsched, purge
# The DKMS builds under emulation take minutes each (gsched-dkms's postinst
# builds for the running kernel and the newest one with headers).
CHECK_PKG_TIMEOUT ?= 3600
.PHONY: check-asan check-valgrind check-dkms-guest check-deb-guest
check-asan: deps
	$(MAKE) asan
	tools/gsched-vm --kernel $(KVER) --timeout $(CHECK_TIMEOUT) -- selftests/asan/run

check-valgrind: deps
	$(MAKE) examples
	tools/gsched-vm --kernel $(KVER) --timeout $(CHECK_TIMEOUT) -- tools/valgrind-examples

check-dkms-guest: deps
	tools/install-deps --kernel $(KVER) --package
	$(MAKE) examples
	tools/gsched-vm --kernel $(KVER) --timeout $(CHECK_PKG_TIMEOUT) -- tools/dkms-guest

check-deb-guest: deps
	$(MAKE) deb
	tools/gsched-vm --kernel $(KVER) --timeout $(CHECK_PKG_TIMEOUT) -- tools/deb-guest $(DEB_DIR)

# ---- style ---------------------------------------------------------------
lint: module
	tools/lint

clean:
	rm -rf $(BUILD)

# ---- benchmarks ----------------------------------------------------------
# make bench: gsched vs Go vs pthreads, one guest boot (tools/bench;
# DESIGN.md section 8). Go binaries are static (CGO_ENABLED=0) and built in
# GOPATH mode with a private cache under build/: nothing is downloaded.
BENCH_OUT := $(BUILD)/bench
BENCH_BINS := $(BENCH_OUT)/gsched_bench $(BENCH_OUT)/pthread_bench \
	      $(BENCH_OUT)/go-bench
GO        ?= go
GO_ENV    := GOENV=off GO111MODULE=off GOFLAGS= GOPROXY=off CGO_ENABLED=0 \
	     GOPATH=$(BENCH_OUT)/go/path GOCACHE=$(BENCH_OUT)/go/cache

.PHONY: bench-bins
bench-bins: $(BENCH_BINS)

$(BENCH_OUT)/gsched_bench: bench/gsched_bench.c bench/bench.h \
		$(LIB_OUT)/libgsched.a $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -std=gnu11 -I$(ROOT)/lib/include -I$(ROOT) \
		-o $@ $< $(LIB_OUT)/libgsched.a -pthread

$(BENCH_OUT)/pthread_bench: bench/pthread_bench.c bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -std=gnu11 -o $@ $< -pthread

$(BENCH_OUT)/go-bench: $(wildcard bench/go/*.go)
	@mkdir -p $(BENCH_OUT)/go
	cd bench/go && $(GO_ENV) $(GO) build -trimpath -o $@ $(notdir $^)

bench:
	tools/install-deps --kernel $(KVER) --bench
	$(MAKE) all bench-bins KVER=$(KVER)
	tools/gsched-vm --kernel $(KVER) -- tools/bench

# ---- fuzzer --------------------------------------------------------------
# make fuzz: the ioctl fuzzer (tools/fuzz/gsched_fuzz.c) in the guest, as
# root and as nobody (tools/fuzz/run); FUZZ_SECONDS=N per run (default 60).
FUZZ_BIN  := $(BUILD)/fuzz/gsched_fuzz
.PHONY: fuzz fuzz-bin
all: fuzz-bin
fuzz-bin: $(FUZZ_BIN)

$(FUZZ_BIN): tools/fuzz/gsched_fuzz.c uapi/gsched.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -I$(ROOT) -o $@ $< -pthread

fuzz: $(FUZZ_BIN)
	$(if $(FUZZ_SECONDS),GSCHED_FUZZ_SECONDS=$(FUZZ_SECONDS)) \
		tools/gsched-vm --kernel $(KVER) -- tools/fuzz/run

# build/isolation (tools/isolation.c): how long one program's context calls
# wait while another program cancels large context trees; run it in the
# guest by hand (tools/gsched-vm -- build/isolation).
ISOLATION_BIN := $(BUILD)/isolation
all: $(ISOLATION_BIN)
$(ISOLATION_BIN): tools/isolation.c uapi/gsched.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -I$(ROOT) -o $@ $<
