# Networking. lwIP is never copied into the tree: scripts/setup.sh fetches
# Debian's `lwip` source package into $(FERRY_CACHE)/lwip/src (docs/network.md).
LWIP_DIR := $(FERRY_CACHE)/lwip/src
