# Micro-benchmarks: `make bench` boots every bench/*.scn (QEMU with -icount
# shift=0, so guest instruction counts are exact and repeatable) and prints
# the `bench:` lines of their logs (tools/bench):
#   bench/kernel.scn     the kernel's hot paths (root task tests/kernel/bench)
#   bench/framework.scn  RPC and sessions of the component framework next to
#                        bare IPC (component tests/components/bench-rpc under init;
#                        its lines arrive through LOG, tools/bench strips the
#                        "[init -> bench-rpc] " prefix)
#   bench/block.scn      4 KiB block reads and writes through components/virtio-blk
#                        (tests/components/block-test, mode bench; docs/block.md)
#   bench/rtcr.scn       rtcr checkpoints of 1, 4, 16, 64 MiB touched memory next to a
#                        memcpy (lib/mem) and a word-wise copy of the same bytes
#                        (tests/components/ckpt-mem); tools/bench prints the table
#   bench/mem.scn        lib/mem's memcpy, memmove, memset of 64 B, 4 KiB, 1 MiB
#                        (tests/components/bench-mem; docs/framework.md, "Memory copies")
#   bench/net.scn        16 MiB over TCP between two ECUs (lwIP, virtio-net), ping,
#                        the driver's instructions per frame (tests/components/net-test
#                        with `bench yes`; docs/network.md, "Numbers"); tools/bench
#                        prints the table
# Not part of `make test`: bench/ is not scenarios/.

.PHONY: bench

bench: all
	$(PYTHON) tools/bench --build $(BUILD) --qemu $(QEMU)
