#include "config_schema.h"

#include "log.h"

/* Names as written in the file; libcyaml stores the value. */
const cyaml_strval_t config_log_levels[] = {
	{"error", LOG_LEVEL_ERROR},   {"warning", LOG_LEVEL_WARNING},
	{"notice", LOG_LEVEL_NOTICE}, {"info", LOG_LEVEL_INFO},
	{"debug", LOG_LEVEL_DEBUG},
};
const unsigned config_log_levels_count =
	sizeof(config_log_levels) / sizeof(config_log_levels[0]);

#define OPT CYAML_FLAG_OPTIONAL
/* Plain strings; a NULL (absent) pointer when the key is left out. */
#define STR_FIELD(key, flags, type, member)                             \
	CYAML_FIELD_STRING_PTR(key, (flags) | CYAML_FLAG_POINTER, type, \
			       member, 1, CONFIG_MAX_STRING)

static const cyaml_schema_value_t string_entry = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, CONFIG_MAX_STRING),
};

static const cyaml_schema_field_t log_fields[] = {
	CYAML_FIELD_ENUM_PTR(
		"level", OPT, struct raw_log, level, config_log_levels,
		sizeof(config_log_levels) / sizeof(config_log_levels[0])),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t route_fields[] = {
	STR_FIELD("to", 0, struct raw_route, to),
	STR_FIELD("via", 0, struct raw_route, via),
	CYAML_FIELD_END,
};
static const cyaml_schema_value_t route_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_route, route_fields),
};

static const cyaml_schema_field_t reservation_fields[] = {
	STR_FIELD("mac", 0, struct raw_reservation, mac),
	STR_FIELD("address", 0, struct raw_reservation, address),
	STR_FIELD("hostname", OPT, struct raw_reservation, hostname),
	CYAML_FIELD_END,
};
static const cyaml_schema_value_t reservation_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_reservation,
			    reservation_fields),
};

static const cyaml_schema_field_t dhcp_option_fields[] = {
	CYAML_FIELD_UINT("code", CYAML_FLAG_DEFAULT, struct raw_dhcp_option,
			 code),
	STR_FIELD("text", OPT, struct raw_dhcp_option, text),
	STR_FIELD("hex", OPT, struct raw_dhcp_option, hex),
	CYAML_FIELD_SEQUENCE("addresses", OPT | CYAML_FLAG_POINTER,
			     struct raw_dhcp_option, addresses, &string_entry,
			     1, 63),
	CYAML_FIELD_END,
};
static const cyaml_schema_value_t dhcp_option_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_dhcp_option,
			    dhcp_option_fields),
};

static const cyaml_schema_field_t subnet_fields[] = {
	STR_FIELD("interface", OPT, struct raw_subnet, interface),
	STR_FIELD("network", 0, struct raw_subnet, network),
	CYAML_FIELD_SEQUENCE("pools", CYAML_FLAG_POINTER, struct raw_subnet,
			     pools, &string_entry, 1, CONFIG_MAX_LIST),
	CYAML_FIELD_UINT_PTR("lease_time", OPT, struct raw_subnet, lease_time),
	STR_FIELD("router", OPT, struct raw_subnet, router),
	CYAML_FIELD_SEQUENCE("dns", OPT | CYAML_FLAG_POINTER, struct raw_subnet,
			     dns, &string_entry, 0, CONFIG_MAX_LIST),
	STR_FIELD("domain", OPT, struct raw_subnet, domain),
	CYAML_FIELD_SEQUENCE("routes", OPT | CYAML_FLAG_POINTER,
			     struct raw_subnet, routes, &route_entry, 0,
			     CONFIG_MAX_LIST),
	CYAML_FIELD_SEQUENCE("reservations", OPT | CYAML_FLAG_POINTER,
			     struct raw_subnet, reservations,
			     &reservation_entry, 0, CONFIG_MAX_RESERVATIONS),
	CYAML_FIELD_UINT_PTR("renew_time", OPT, struct raw_subnet, renew_time),
	CYAML_FIELD_UINT_PTR("rebind_time", OPT, struct raw_subnet,
			     rebind_time),
	CYAML_FIELD_SEQUENCE("ntp", OPT | CYAML_FLAG_POINTER, struct raw_subnet,
			     ntp, &string_entry, 0, 63),
	CYAML_FIELD_SEQUENCE("options", OPT | CYAML_FLAG_POINTER,
			     struct raw_subnet, options, &dhcp_option_entry, 0,
			     254),
	CYAML_FIELD_END,
};
static const cyaml_schema_value_t subnet_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_subnet,
			    subnet_fields),
};

static const cyaml_schema_field_t dhcp_fields[] = {
	STR_FIELD("lease_file", OPT, struct raw_dhcp, lease_file),
	CYAML_FIELD_SEQUENCE("subnets", CYAML_FLAG_POINTER, struct raw_dhcp,
			     subnets, &subnet_entry, 1, CONFIG_MAX_SUBNETS),
	CYAML_FIELD_UINT_PTR("offer_hold", OPT, struct raw_dhcp, offer_hold),
	CYAML_FIELD_UINT_PTR("quarantine", OPT, struct raw_dhcp, quarantine),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t dns_fields[] = {
	CYAML_FIELD_SEQUENCE("listen", CYAML_FLAG_POINTER, struct raw_dns,
			     listen, &string_entry, 1, CONFIG_MAX_LIST),
	CYAML_FIELD_SEQUENCE("upstreams", CYAML_FLAG_POINTER, struct raw_dns,
			     upstreams, &string_entry, 1, CONFIG_MAX_LIST),
	CYAML_FIELD_UINT_PTR("cache_size", OPT, struct raw_dns, cache_size),
	CYAML_FIELD_SEQUENCE("allow", OPT | CYAML_FLAG_POINTER, struct raw_dns,
			     allow, &string_entry, 0, CONFIG_MAX_LIST),
	CYAML_FIELD_SEQUENCE("records", OPT | CYAML_FLAG_POINTER,
			     struct raw_dns, records, &string_entry, 0,
			     CONFIG_MAX_RECORDS),
	CYAML_FIELD_SEQUENCE("local_domains", OPT | CYAML_FLAG_POINTER,
			     struct raw_dns, local_domains, &string_entry, 0,
			     CONFIG_MAX_LIST),
	CYAML_FIELD_SEQUENCE("forward", OPT | CYAML_FLAG_POINTER,
			     struct raw_dns, forward, &string_entry, 0,
			     CONFIG_MAX_LIST),
	STR_FIELD("hosts_file", OPT, struct raw_dns, hosts_file),
	CYAML_FIELD_UINT_PTR("timeout", OPT, struct raw_dns, timeout),
	CYAML_FIELD_UINT_PTR("min_ttl", OPT, struct raw_dns, min_ttl),
	CYAML_FIELD_UINT_PTR("max_ttl", OPT, struct raw_dns, max_ttl),
	CYAML_FIELD_UINT_PTR("negative_ttl", OPT, struct raw_dns, negative_ttl),
	CYAML_FIELD_UINT_PTR("servfail_ttl", OPT, struct raw_dns, servfail_ttl),
	CYAML_FIELD_UINT_PTR("stale_ttl", OPT, struct raw_dns, stale_ttl),
	CYAML_FIELD_UINT_PTR("tcp_timeout", OPT, struct raw_dns, tcp_timeout),
	CYAML_FIELD_UINT_PTR("tcp_connections", OPT, struct raw_dns,
			     tcp_connections),
	CYAML_FIELD_UINT_PTR("max_udp_size", OPT, struct raw_dns, max_udp_size),
	CYAML_FIELD_UINT_PTR("workers", OPT, struct raw_dns, workers),
	CYAML_FIELD_BOOL_PTR("prefetch", OPT, struct raw_dns, prefetch),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t http_fields[] = {
	CYAML_FIELD_SEQUENCE("listen", CYAML_FLAG_POINTER, struct raw_http,
			     listen, &string_entry, 1, CONFIG_MAX_LIST),
	STR_FIELD("root", 0, struct raw_http, root),
	STR_FIELD("index", OPT, struct raw_http, index),
	CYAML_FIELD_BOOL_PTR("autoindex", OPT, struct raw_http, autoindex),
	STR_FIELD("access_log", OPT, struct raw_http, access_log),
	STR_FIELD("access_log_format", OPT, struct raw_http, access_log_format),
	CYAML_FIELD_UINT_PTR("workers", OPT, struct raw_http, workers),
	CYAML_FIELD_BOOL_PTR("dotfiles", OPT, struct raw_http, dotfiles),
	CYAML_FIELD_UINT_PTR("header_timeout", OPT, struct raw_http,
			     header_timeout),
	CYAML_FIELD_UINT_PTR("keepalive_timeout", OPT, struct raw_http,
			     keepalive_timeout),
	CYAML_FIELD_UINT_PTR("send_timeout", OPT, struct raw_http,
			     send_timeout),
	CYAML_FIELD_UINT_PTR("max_connections", OPT, struct raw_http,
			     max_connections),
	CYAML_FIELD_UINT_PTR("max_header_size", OPT, struct raw_http,
			     max_header_size),
	CYAML_FIELD_UINT_PTR("max_headers", OPT, struct raw_http, max_headers),
	CYAML_FIELD_UINT_PTR("max_body", OPT, struct raw_http, max_body),
	CYAML_FIELD_UINT_PTR("cache_validity_ms", OPT, struct raw_http,
			     cache_validity_ms),
	CYAML_FIELD_UINT_PTR("cache_bytes", OPT, struct raw_http, cache_bytes),
	CYAML_FIELD_UINT_PTR("cache_file_max", OPT, struct raw_http,
			     cache_file_max),
	CYAML_FIELD_SEQUENCE("mime_types", OPT | CYAML_FLAG_POINTER,
			     struct raw_http, mime_types, &string_entry, 0,
			     CONFIG_MAX_LIST),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t top_fields[] = {
	CYAML_FIELD_MAPPING_PTR("log", OPT, struct raw_config, log, log_fields),
	STR_FIELD("user", OPT, struct raw_config, user),
	CYAML_FIELD_MAPPING_PTR("dhcp", OPT, struct raw_config, dhcp,
				dhcp_fields),
	CYAML_FIELD_MAPPING_PTR("dns", OPT, struct raw_config, dns, dns_fields),
	CYAML_FIELD_MAPPING_PTR("http", OPT, struct raw_config, http,
				http_fields),
	CYAML_FIELD_END,
};

const cyaml_schema_value_t config_schema_top = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_config, top_fields),
};
