# Networking. lwIP is never copied into the tree: scripts/setup.sh fetches
# Debian's `lwip` source package into $(FERRY_CACHE)/lwip/src (docs/network.md).
# The Ferry port is lib/net/ (arch/cc.h, lwipopts.h, net.c); a component that
# talks TCP/IP is listed in NET_COMPONENTS and gets lwIP, the port and their
# include paths.
LWIP_DIR := $(FERRY_CACHE)/lwip/src
LWIP_SRC := $(LWIP_DIR)/src
# lwIP's own file lists (src/Filelists.mk): core, IPv4, Ethernet.
LWIP_SRCS := $(addprefix core/,init.c def.c inet_chksum.c ip.c mem.c memp.c netif.c pbuf.c \
               raw.c stats.c sys.c tcp.c tcp_in.c tcp_out.c timeouts.c udp.c) \
             $(addprefix core/ipv4/,etharp.c icmp.c ip4.c ip4_addr.c ip4_frag.c) \
             netif/ethernet.c
LWIP_OBJS := $(patsubst %.c,$(BUILD)/lwip/obj/%.c.o,$(LWIP_SRCS))
NET_PORT_OBJS := $(patsubst %,$(BUILD)/user/obj/%.o,$(wildcard lib/net/*.c))
NET_INCLUDES := -Ilib/net -I$(LWIP_SRC)/include
NET_COMPONENTS := net-test

# Third-party code: warnings shown, not fatal (-Werror is for our code).
LWIP_CFLAGS = $(filter-out -Werror,$(USER_CFLAGS)) -Wno-unused-parameter $(NET_INCLUDES)

$(BUILD)/lwip/obj/%.c.o: $(LWIP_SRC)/%.c
	@mkdir -p $(dir $@)
	$(TCC) $(LWIP_CFLAGS) -c $< -o $@

$(NET_PORT_OBJS): USER_CFLAGS += $(NET_INCLUDES)
define net_component
$(patsubst %,$(BUILD)/user/obj/%.o,$(wildcard components/$(1)/*.c tests/components/$(1)/*.c)): \
    USER_CFLAGS += $(NET_INCLUDES)
$(BUILD)/components/$(1).elf: $(LWIP_OBJS) $(NET_PORT_OBJS)
endef
$(foreach c,$(NET_COMPONENTS),$(eval $(call net_component,$(c))))
