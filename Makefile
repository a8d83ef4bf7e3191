# Ferry top-level Makefile. Everything is built out of tree into build/.
#
#   make          build kernel, user programs, host tools and unit tests
#   make run      boot the main demo in QEMU
#   make test     host unit tests, the runner's own tests, every scenario
#   make bench    guest instruction counts of the kernel's hot paths
#   make debug    QEMU waiting for gdb (prints the gdb-multiarch command)
#   make clean    remove build/
#
# Each area has its own fragment in mk/; they only append to the lists below.

BUILD ?= build
.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

# Install missing Debian packages and fetch third-party sources (lwIP, into
# $(FERRY_CACHE), outside the tree) before anything is built (a no-op when
# everything is there). Not for `make clean`.
FERRY_CACHE ?= $(HOME)/.cache/ferry
export FERRY_CACHE
ifneq ($(filter-out clean,$(or $(MAKECMDGOALS),all)),)
SETUP_STATUS := $(shell scripts/setup.sh 1>&2; echo $$?)
ifneq ($(SETUP_STATUS),0)
$(error setup failed: see the message above)
endif
endif

CROSS   ?= riscv64-unknown-elf-
TCC     := $(CROSS)gcc
TOBJCOPY := $(CROSS)objcopy
HOSTCC  ?= gcc
QEMU    ?= qemu-system-riscv64
PYTHON  ?= python3

WARN    := -Wall -Wextra -Werror -std=c11
# Kernel: integer-only ISA, so the compiler can never touch the FP registers,
# which hold user state while the kernel runs (saved lazily on switch).
KERNEL_ARCH := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany
# User space: the full RV64GC / lp64d target.
USER_ARCH   := -march=rv64gc -mabi=lp64d -mcmodel=medany

ALL_TARGETS :=
TEST_BINS   :=

include $(sort $(wildcard mk/*.mk))

.PHONY: all clean
all: $(ALL_TARGETS)

clean:
	rm -rf $(BUILD)

# header dependencies
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
