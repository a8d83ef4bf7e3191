# User programs. Every directory tests/kernel/NAME/ is a root task built into
# $(BUILD)/user/NAME.elf against lib/sys (syscall stubs + minimal runtime) and picolibc.
USER_CFLAGS := $(WARN) $(USER_ARCH) -O2 -g -specs=picolibc.specs -ffreestanding \
               -fno-stack-protector -Iinclude -Ilib/sys -Ilib/base -Ilib -MMD -MP
USER_LDFLAGS := $(USER_ARCH) -specs=picolibc.specs -nostartfiles -T lib/sys/user.ld \
                -Wl,--gc-sections -Wl,-z,max-page-size=4096
USER_RUNTIME_SRCS := lib/sys/crt0.S lib/sys/roottask.c lib/sys/runtime.c
USER_RUNTIME_OBJS := $(patsubst %,$(BUILD)/user/obj/%.o,$(USER_RUNTIME_SRCS))

# lib/mem: memcpy, memmove and memset of every user program (lib/mem/mem.h), in place
# of picolibc's byte loops: an object named before -lc, so picolibc's members
# are never pulled in. Without -fno-tree-loop-distribute-patterns GCC would turn
# its loops back into calls to memcpy/memset, that is to themselves.
USER_MEM_OBJS := $(BUILD)/user/obj/lib/mem/mem.c.o
MEM_CFLAGS := -fno-builtin -fno-tree-loop-distribute-patterns
$(USER_MEM_OBJS): USER_CFLAGS += $(MEM_CFLAGS)

$(BUILD)/user/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(TCC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/user/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(TCC) $(USER_CFLAGS) -c $< -o $@

USER_PROGRAMS := $(notdir $(patsubst %/,%,$(wildcard tests/kernel/*/)))

define user_program
$(BUILD)/user/$(1).elf: $(patsubst %,$(BUILD)/user/obj/%.o,$(wildcard tests/kernel/$(1)/*.c)) \
                        $(USER_RUNTIME_OBJS) $(USER_MEM_OBJS) lib/sys/user.ld
	$$(TCC) $$(USER_LDFLAGS) -o $$@ $$(filter %.o,$$^) -lc -lgcc
ALL_TARGETS += $(BUILD)/user/$(1).elf
endef
$(foreach p,$(USER_PROGRAMS),$(eval $(call user_program,$(p))))

# Core and the components (mk/framework.mk, read before this file) link it too.
$(CORE_ELF) $(filter $(BUILD)/components/%.elf,$(ALL_TARGETS)): $(USER_MEM_OBJS)
