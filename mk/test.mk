# Tests and QEMU runs: `make test`, `make run`, `make debug`.
# tools/ferry-run boots scenarios (docs/scenarios.md); tools/run-tests runs
# the host unit tests (TEST_BINS, from mk/host.mk), the runner's self tests
# (tests/runner/*.scn) and every scenario (scenarios/*.scn), and ends with
# one line `N passed, N failed`.

FERRY_RUN := $(PYTHON) tools/ferry-run --build $(BUILD) --qemu $(QEMU)
# Scenarios run in parallel; override with `make test JOBS=4`.
JOBS ?= 2

.PHONY: test run debug

test: all
	$(PYTHON) tools/run-tests --build $(BUILD) --qemu $(QEMU) -j $(JOBS) $(TEST_BINS)

run: all
	$(FERRY_RUN) --interactive scenarios/demo.scn

debug: all
	$(FERRY_RUN) --debug scenarios/demo.scn
