# The checkpoint image library (lib/image/) and its host tool.
#
# lib/image uses XXH3 from Debian's libxxhash-dev, header-only. The cross
# compiler does not search /usr/include, so the one header is linked into
# $(IMAGE_XXH_DIR) and only lib/image's target objects see that directory.
# The library itself is part of BASE_SRCS (mk/framework.mk): every component
# may link it, --gc-sections drops it where unused.

IMAGE_XXH_DIR := $(BUILD)/include/xxhash
$(IMAGE_XXH_DIR)/xxhash.h: /usr/include/xxhash.h
	@mkdir -p $(@D)
	ln -sf $< $@

# Own sections per function: components that do not use the codec drop it.
# XXH_FORCE_MEMORY_ACCESS=2: xxhash reads words with plain loads. Its default
# reads them through memcpy, which -ffreestanding keeps a call (3.6x slower
# encoding in guest instructions); image records keep every payload 8-byte
# aligned in an 8-byte aligned buffer, so the loads are aligned.
# -O3: GCC unrolls XXH3's eight-lane accumulate loop (at -O2 it indexes
# acc[i^1] in memory, ~160 instructions per 64-byte stripe, 2.8 per byte of a
# 4 KiB hash); -fno-schedule-insns: the scheduler before register allocation
# loads all eight data and secret words of a stripe first and so spills the
# accumulators to the stack (82 instructions a stripe; 67 without it). XXH3 of
# 4 KiB: 11489 -> 4879 guest instructions (docs/rtcr.md, "Numbers").
$(BUILD)/user/obj/lib/image/%.c.o: USER_CFLAGS += -I$(IMAGE_XXH_DIR) -ffunction-sections \
	-fdata-sections -DXXH_FORCE_MEMORY_ACCESS=2 -O3 -fno-schedule-insns
$(patsubst %,$(BUILD)/user/obj/%.o,$(wildcard lib/image/*.c)): | $(IMAGE_XXH_DIR)/xxhash.h

# ferry-image: the host tool (tools/image/), reusing lib/image.
IMAGE_TOOL := $(BUILD)/tools/ferry-image
IMAGE_TOOL_SRCS := $(wildcard tools/image/*.c) $(wildcard lib/image/*.c)
IMAGE_TOOL_CFLAGS := $(WARN) -O2 -g -Ilib -Iinclude -MMD -MP
$(IMAGE_TOOL): $(patsubst %.c,$(BUILD)/tools/obj/%.o,$(IMAGE_TOOL_SRCS))
	@mkdir -p $(@D)
	$(HOSTCC) -o $@ $^
$(BUILD)/tools/obj/%.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(IMAGE_TOOL_CFLAGS) -c -o $@ $<
ALL_TARGETS += $(IMAGE_TOOL)

# The tool's own tests (run by tools/run-tests like a unit test binary).
TEST_BINS += tests/tools/ferry-image-test
