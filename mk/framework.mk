# The component framework: core (the root task, core/), the base library
# (lib/base/) and the components (components/NAME/ and tests/components/NAME/ -> NAME.elf).
#
# Core is a root task: it links the root-task runtime (lib/sys/roottask.c, not
# the kernel tests' assertions in lib/sys/runtime.c) for its start, console
# and page allocator, plus the RPC part of the base library.
# Components link the whole base library with its own start code.

CORE_ELF := $(BUILD)/core/core.elf
BASE_RPC_SRCS := lib/base/rpc.c lib/base/rpc_pool.c lib/base/capmap.c lib/base/slot.c lib/base/avl.c \
                 lib/base/args.c lib/base/ifaces.c
CORE_SRCS := $(wildcard core/*.c) $(BASE_RPC_SRCS) lib/elf/elf.c lib/child/child_image.c
CORE_OBJS := $(patsubst %,$(BUILD)/user/obj/%.o,$(CORE_SRCS))

# (named explicitly: mk/user.mk, which defines USER_RUNTIME_OBJS, is read after this file)
CORE_RUNTIME_OBJS := $(patsubst %,$(BUILD)/user/obj/%.o,lib/sys/crt0.S lib/sys/roottask.c)
$(CORE_ELF): $(CORE_OBJS) $(CORE_RUNTIME_OBJS) lib/sys/user.ld
	@mkdir -p $(@D)
	$(TCC) $(COMPONENT_LDFLAGS) -o $@ $(filter %.o,$^) -lc -lgcc
ALL_TARGETS += $(CORE_ELF)

BASE_SRCS := $(wildcard lib/base/*.c lib/base/client/*.c) lib/base/crt0.S lib/elf/elf.c \
             lib/child/child_image.c lib/config/config.c $(wildcard lib/image/*.c)
BASE_OBJS := $(patsubst %,$(BUILD)/user/obj/%.o,$(BASE_SRCS))
COMPONENT_LDFLAGS := $(USER_ARCH) -specs=picolibc.specs -nostartfiles -T lib/sys/user.ld \
                     -Wl,--gc-sections -Wl,-z,max-page-size=4096

# Components live in components/NAME/, test components in tests/components/NAME/;
# both build into $(BUILD)/components/NAME.elf, so a name exists only once.
COMPONENT_DIRS := $(patsubst %/,%,$(wildcard components/*/ tests/components/*/))

# The directory is a prerequisite too: removing a source file changes its
# mtime, so the program is relinked without it.
define component
$(BUILD)/components/$(notdir $(1)).elf: $(patsubst %,$(BUILD)/user/obj/%.o,$(wildcard $(1)/*.c)) \
                              $(BASE_OBJS) lib/sys/user.ld $(1)
	@mkdir -p $$(@D)
	$$(TCC) $$(COMPONENT_LDFLAGS) -o $$@ $$(filter %.o,$$^) -lc -lgcc
ALL_TARGETS += $(BUILD)/components/$(notdir $(1)).elf
endef
$(foreach c,$(COMPONENT_DIRS),$(eval $(call component,$(c))))
