# lib/virtio: the virtio-mmio transport and split virtqueues, linked into the
# virtio drivers (components/virtio-*). Host tests: tests/unit/test_virtio.c.
# lib/virtio/device/ finds a device through core's sessions (not host-tested).
VIRTIO_SRCS := $(wildcard lib/virtio/*.c lib/virtio/device/*.c)
VIRTIO_OBJS := $(patsubst %,$(BUILD)/user/obj/%.o,$(VIRTIO_SRCS))
VIRTIO_DRIVERS := $(notdir $(patsubst %/,%,$(wildcard components/virtio-*/)))
$(foreach d,$(VIRTIO_DRIVERS),$(eval $(BUILD)/components/$(d).elf: $(VIRTIO_OBJS)))
