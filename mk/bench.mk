# Kernel micro-benchmarks: `make bench` boots every bench/*.scn (root task
# tests/kernel/bench, QEMU with -icount shift=0, so guest instruction counts
# are exact and repeatable) and prints the `bench:` lines of their logs.
# Not part of `make test`: bench/ is not scenarios/.

.PHONY: bench

bench: all
	$(PYTHON) tools/bench --build $(BUILD) --qemu $(QEMU)
