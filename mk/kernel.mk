# The kernel: kernel/ plus the freestanding parsers it shares with host tools
# and the memory copies it shares with user space (lib/mem).
KERNEL_ELF := $(BUILD)/kernel/kernel.elf
KERNEL_SRCS := $(filter-out kernel/arch/riscv/asm-offsets.c,\
                 $(wildcard kernel/*.c kernel/arch/riscv/*.c kernel/arch/riscv/*.S)) \
               lib/fdt/fdt.c lib/cpio/cpio.c lib/elf/elf.c lib/mem/mem.c
KERNEL_OBJS := $(patsubst %,$(BUILD)/kernel/obj/%.o,$(KERNEL_SRCS))
# Build knobs, measured with `make bench` (docs/kernel.md, Build flags):
#   KERNEL_FRAME_POINTER yes|no  keep s0 as frame pointer in every function
#   KERNEL_LTO           yes|no  link-time optimisation across kernel files
#   KERNEL_KASSERT       yes|no  KASSERT checks compiled in
KERNEL_FRAME_POINTER ?= no
KERNEL_LTO ?= yes
KERNEL_KASSERT ?= yes
KERNEL_KNOBS := $(if $(filter yes,$(KERNEL_FRAME_POINTER)),-fno-omit-frame-pointer,-fomit-frame-pointer) \
                $(if $(filter yes,$(KERNEL_KASSERT)),,-DKERNEL_NO_KASSERT)
KERNEL_LTO_FLAGS := $(if $(filter yes,$(KERNEL_LTO)),-flto,)
# memcpy/memmove/memset are lib/mem's, the same as user space's (lib/mem/mem.h),
# and stay real code outside LTO: calls the compiler emits itself (structure
# copies) are resolved after LTO has dropped symbols it saw no caller of.
# MEM_CFLAGS (mk/user.mk) keeps GCC from turning its loops into calls to itself.
KERNEL_MEM_OBJ := $(BUILD)/kernel/obj/lib/mem/mem.c.o
$(KERNEL_MEM_OBJ): KERNEL_LTO_FLAGS :=
$(KERNEL_MEM_OBJ): KERNEL_CFLAGS += $(MEM_CFLAGS)
KERNEL_CFLAGS := $(WARN) $(KERNEL_ARCH) -O2 -g -ffreestanding -fno-builtin -nostdlib \
                 $(KERNEL_KNOBS) -fno-stack-protector -Iinclude -Ilib -Ikernel \
                 -I$(BUILD)/kernel/gen -MMD -MP

# asm-offsets.h: offsets of C structures for trap.S, generated from
# kernel/arch/riscv/asm-offsets.c (compiled to assembly only; each DEFINE
# leaves "->NAME value" there, which sed turns into a #define).
KERNEL_ASM_OFFSETS := $(BUILD)/kernel/gen/asm-offsets.h
$(KERNEL_ASM_OFFSETS): kernel/arch/riscv/asm-offsets.c
	@mkdir -p $(dir $@)
	$(TCC) $(KERNEL_CFLAGS) -MT $@ -MF $@.d -S $< -o $@.s
	{ echo '/* generated from $< by mk/kernel.mk: do not edit */'; \
	  sed -n 's/^.*->\([A-Z_0-9]*\) \([0-9-]*\).*$$/#define \1 \2/p' $@.s; } > $@.tmp
	@grep -q FRAME_PC $@.tmp || { echo "asm-offsets: no offsets extracted" >&2; exit 1; }
	mv $@.tmp $@

# The flags in a file that changes only when they do: a knob set differently
# rebuilds the kernel; an unchanged one rebuilds nothing.
KERNEL_FLAGS_FILE := $(BUILD)/kernel/cflags
KERNEL_FLAGS_NOW := $(KERNEL_CFLAGS) lto:$(KERNEL_LTO_FLAGS)
$(KERNEL_FLAGS_FILE): kernel-flags-check
	@mkdir -p $(dir $@)
	@echo '$(KERNEL_FLAGS_NOW)' | cmp -s - $@ || echo '$(KERNEL_FLAGS_NOW)' > $@
.PHONY: kernel-flags-check
kernel-flags-check:
$(KERNEL_OBJS) $(KERNEL_ASM_OFFSETS): $(KERNEL_FLAGS_FILE)

$(BUILD)/kernel/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(TCC) $(KERNEL_CFLAGS) $(KERNEL_LTO_FLAGS) -c $< -o $@

$(BUILD)/kernel/obj/%.S.o: %.S $(KERNEL_ASM_OFFSETS)
	@mkdir -p $(dir $@)
	$(TCC) $(KERNEL_CFLAGS) -c $< -o $@

$(KERNEL_ELF): $(KERNEL_OBJS) kernel/arch/riscv/kernel.ld
	$(TCC) $(KERNEL_CFLAGS) $(KERNEL_LTO_FLAGS) -T kernel/arch/riscv/kernel.ld -Wl,--gc-sections \
	    -o $@ $(KERNEL_OBJS)

ALL_TARGETS += $(KERNEL_ELF)
