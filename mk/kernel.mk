# The kernel: kernel/ plus the freestanding parsers it shares with host tools.
KERNEL_ELF := $(BUILD)/kernel/kernel.elf
KERNEL_SRCS := $(filter-out kernel/arch/riscv/asm-offsets.c,\
                 $(wildcard kernel/*.c kernel/arch/riscv/*.c kernel/arch/riscv/*.S)) \
               lib/fdt/fdt.c lib/cpio/cpio.c lib/elf/elf.c
KERNEL_OBJS := $(patsubst %,$(BUILD)/kernel/obj/%.o,$(KERNEL_SRCS))
# -fomit-frame-pointer: nothing in the kernel walks frames (gdb unwinds by the
# DWARF of -g); frame pointers cost the IPC round trip 20 instructions
# (docs/kernel.md, "Benchmarks").
KERNEL_CFLAGS := $(WARN) $(KERNEL_ARCH) -O2 -g -ffreestanding -fno-builtin -nostdlib \
                 -fomit-frame-pointer -fno-stack-protector -Iinclude -Ilib -Ikernel \
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

$(BUILD)/kernel/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(TCC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/kernel/obj/%.S.o: %.S $(KERNEL_ASM_OFFSETS)
	@mkdir -p $(dir $@)
	$(TCC) $(KERNEL_CFLAGS) -c $< -o $@

$(KERNEL_ELF): $(KERNEL_OBJS) kernel/arch/riscv/kernel.ld
	$(TCC) $(KERNEL_CFLAGS) -T kernel/arch/riscv/kernel.ld -Wl,--gc-sections -o $@ $(KERNEL_OBJS)

ALL_TARGETS += $(KERNEL_ELF)
