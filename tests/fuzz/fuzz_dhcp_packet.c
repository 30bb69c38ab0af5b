/*
 * libFuzzer target for dhcpd's packet codec: parse arbitrary bytes as a
 * received message and, when it parses, build every kind of reply to it
 * (the builder reads the parsed client options: 55, 57, 61, 82).
 * Anything may be rejected; nothing may crash, read out of bounds or
 * write past the reply buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dhcp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum dhcp_type types[] = {DHCP_OFFER, DHCP_ACK, DHCP_NAK};
	uint8_t out[DHCP_MAX_REPLY];
	struct dhcp_builder b;
	struct dhcp_msg m;
	struct in_addr a = {.s_addr = 0x0102000a};
	size_t i;

	if (dhcp_parse(data, size, &m) != DHCP_OK)
		return 0;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		dhcp_build_start(&b, out, sizeof(out), &m, types[i], a, a);
		dhcp_build_u32(&b, DHO_LEASE_TIME, 3600, true);
		dhcp_build_opt(&b, DHO_HOSTNAME, m.hostname, m.hostname_len,
			       false);
		dhcp_build_opt(&b, DHO_CLIENT_ID, m.client_id, m.client_id_len,
			       false);
		dhcp_build_opt(&b, DHO_AGENT_INFO, m.agent, m.agent_len, true);
		dhcp_build_opt(&b, DHO_PARAM_LIST, m.prl, m.prl_len, true);
		if (dhcp_build_finish(&b) > sizeof(out))
			__builtin_trap();
	}
	return 0;
}
