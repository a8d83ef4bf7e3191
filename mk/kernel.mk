# The kernel: kernel/ plus the freestanding parsers it shares with host tools.
KERNEL_ELF := $(BUILD)/kernel/kernel.elf
KERNEL_SRCS := $(wildcard kernel/*.c kernel/arch/riscv/*.c kernel/arch/riscv/*.S) \
               lib/fdt/fdt.c lib/cpio/cpio.c lib/elf/elf.c
KERNEL_OBJS := $(patsubst %,$(BUILD)/kernel/obj/%.o,$(KERNEL_SRCS))
KERNEL_CFLAGS := $(WARN) $(KERNEL_ARCH) -O2 -g -ffreestanding -fno-builtin -nostdlib \
                 -fno-omit-frame-pointer -fno-stack-protector -Iinclude -Ilib -Ikernel -MMD -MP

$(BUILD)/kernel/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(TCC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/kernel/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(TCC) $(KERNEL_CFLAGS) -c $< -o $@

$(KERNEL_ELF): $(KERNEL_OBJS) kernel/arch/riscv/kernel.ld
	$(TCC) $(KERNEL_CFLAGS) -T kernel/arch/riscv/kernel.ld -Wl,--gc-sections -o $@ $(KERNEL_OBJS)

ALL_TARGETS += $(KERNEL_ELF)
