# Disks of the checkpoint scenarios, written by the host tool (after mk/image.mk,
# which defines IMAGE_TOOL): tests/disks/NAME builds $(BUILD)/disks/NAME.img, which a
# scenario attaches with `disk: name=... from=build/disks/NAME.img` (docs/scenarios.md).
SCENARIO_DISKS := $(patsubst tests/disks/%,$(BUILD)/disks/%.img,$(wildcard tests/disks/*))

$(BUILD)/disks/%.img: tests/disks/% $(IMAGE_TOOL)
	$(PYTHON) $< $(IMAGE_TOOL) $@

ALL_TARGETS += $(SCENARIO_DISKS)
