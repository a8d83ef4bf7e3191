# Host unit tests: the lib/ parsers compiled natively with AddressSanitizer
# and UBSan, driven by cmocka. tests/unit/test_X.c links lib/X/X.c.
#
#   make unit-test    build and run every test binary; fails if any fails
#
# Test data is generated into $(HOST_TESTDATA) (QEMU's own device tree, dts
# files compiled with dtc, a cpio archive, a tiny RISC-V ELF); the binaries
# find it through the compile-time TESTDATA_DIR.

HOST_BUILD    := $(BUILD)/host
HOST_OBJ      := $(HOST_BUILD)/obj
HOST_TESTDATA := $(HOST_BUILD)/testdata

# -fno-sanitize-recover: a UBSan report must fail the test, not just print.
HOST_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all
HOST_CFLAGS   := $(WARN) -g -O1 $(HOST_SANITIZE) -fno-omit-frame-pointer -Ilib -Iinclude
HOST_LDLIBS   := -lcmocka

HOST_UNIT_NAMES := $(patsubst tests/unit/test_%.c,%,$(wildcard tests/unit/test_*.c))
HOST_UNIT_BINS  := $(HOST_UNIT_NAMES:%=$(HOST_BUILD)/tests/test_%)

HOST_DTS_SOURCES  := $(wildcard tests/unit/data/*.dts)
HOST_TESTDATA_FILES := \
	$(HOST_TESTDATA)/virt.dtb \
	$(HOST_TESTDATA)/virt-smp2.dtb \
	$(HOST_DTS_SOURCES:tests/unit/data/%.dts=$(HOST_TESTDATA)/%.dtb) \
	$(HOST_TESTDATA)/archive.cpio \
	$(HOST_TESTDATA)/tiny.elf

TEST_BINS   += $(HOST_UNIT_BINS)
ALL_TARGETS += $(HOST_UNIT_BINS) $(HOST_TESTDATA_FILES)

# ---- compile and link ----

# One object per source, mirrored under $(HOST_OBJ); -MMD -MP writes the .d
# files the top-level Makefile includes, so touching a header rebuilds.
$(HOST_OBJ)/tests/%.o: HOST_CFLAGS += -DTESTDATA_DIR=\"$(abspath $(HOST_TESTDATA))\"
# lib/mem under its ferry_ names only, next to the host's libc; MEM_CFLAGS (mk/user.mk)
# keeps GCC from turning its loops into calls to the host's memcpy/memset.
$(HOST_OBJ)/lib/mem/%.o: HOST_CFLAGS += -DFERRY_MEM_HOST $(MEM_CFLAGS)
$(HOST_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -MMD -MP -c -o $@ $<

# test_X also links every lib/X/*.c and the sources a `// host-sources: a.c b.c`
# line in tests/unit/test_X.c names (for libraries whose directory holds more than
# the unit under test). The data is order-only: it must exist to run the tests,
# not to link them.
host_sources = $(shell sed -n 's|^// host-sources: *||p' tests/unit/test_$(1).c)
$(foreach n,$(HOST_UNIT_NAMES),$(eval \
	$(HOST_BUILD)/tests/test_$(n): $(patsubst %.c,$(HOST_OBJ)/%.o,$(wildcard lib/$(n)/*.c) \
	                                 $(call host_sources,$(n)))))
$(HOST_UNIT_BINS): $(HOST_BUILD)/tests/test_%: $(HOST_OBJ)/tests/unit/test_%.o | $(HOST_TESTDATA_FILES)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_SANITIZE) -o $@ $(filter %.o,$^) $(HOST_LDLIBS)

# ---- test data ----

# QEMU writes the tree its virt machine would boot with, then exits. Its
# chatter goes to a log, shown only on failure.
HOST_DUMPDTB = $(QEMU) -M virt -m 256M $(1) -display none -machine dumpdtb=$@ >$@.log 2>&1 \
	|| { cat $@.log >&2; exit 1; }

$(HOST_TESTDATA)/virt.dtb:
	@mkdir -p $(@D)
	$(call HOST_DUMPDTB)

$(HOST_TESTDATA)/virt-smp2.dtb:
	@mkdir -p $(@D)
	$(call HOST_DUMPDTB,-smp 2)

# compact.dts exercises the version 16 layout (no size_dt_struct).
$(HOST_TESTDATA)/compact.dtb: HOST_DTC_FLAGS := -V 16
$(HOST_TESTDATA)/%.dtb: tests/unit/data/%.dts
	@mkdir -p $(@D)
	dtc -q -I dts -O dtb $(HOST_DTC_FLAGS) -o $@ $<

# A real archive from the cpio tool, laid out like `find . | cpio -o -H newc`
# output: "./" prefixes, a directory, an empty file, sizes not multiples of 4.
$(HOST_TESTDATA)/archive.cpio: mk/host.mk
	@mkdir -p $(@D)
	rm -rf $(HOST_TESTDATA)/cpio-root
	mkdir -p $(HOST_TESTDATA)/cpio-root/sub
	printf 'hello, ferry\n' > $(HOST_TESTDATA)/cpio-root/hello.txt
	printf 'abc' > $(HOST_TESTDATA)/cpio-root/sub/three.txt
	: > $(HOST_TESTDATA)/cpio-root/empty
	cd $(HOST_TESTDATA)/cpio-root && find . | LC_ALL=C sort | \
		cpio -o -H newc --quiet > $(abspath $@)

$(HOST_TESTDATA)/tiny.elf: tests/unit/data/tiny_elf.c
	@mkdir -p $(@D)
	$(TCC) $(USER_ARCH) $(WARN) -O1 -ffreestanding -nostdlib -static -Ttext=0x10000 \
		-Wl,--build-id=none -o $@ $<

# ---- run ----

.PHONY: unit-test
unit-test: $(HOST_UNIT_BINS) $(HOST_TESTDATA_FILES)
	@failed=""; \
	for t in $(HOST_UNIT_BINS); do \
		echo "== $$t"; \
		$$t || failed="$$failed $${t##*/}"; \
	done; \
	if [ -n "$$failed" ]; then echo "unit-test: FAILED:$$failed"; exit 1; fi; \
	echo "unit-test: all passed"
