/*
 * dhcp_wire: the DHCPv4 packet codec (RFC 2131, 2132, 3396, 3442, 3046).
 *
 * dhcp_parse() is pure: it walks a received BOOTP message with a
 * bounds-checked cursor, options field first and then, when option 52
 * says so, the `file` and `sname` fields, and fills a struct dhcp_msg.
 * It never allocates or logs; the caller logs the returned error once.
 *
 * The builder writes a reply into a caller's buffer: the BOOTP header
 * copied from the request, then options, each skipped when the client's
 * parameter request list (55) does not ask for it or when it would not
 * fit the client's maximum message size (57).
 */
#ifndef LABGATE_DHCP_WIRE_H
#define LABGATE_DHCP_WIRE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_SERVER_PORT    67
#define DHCP_CLIENT_PORT    68
#define DHCP_MAGIC          0x63825363u /* RFC 2131 section 3 */
#define DHCP_FIXED_LEN      236         /* op .. file */
#define DHCP_OPTIONS_OFF    240         /* after the magic cookie */
#define DHCP_SNAME_OFF      44
#define DHCP_SNAME_LEN      64
#define DHCP_FILE_OFF       108
#define DHCP_FILE_LEN       128
#define DHCP_CHADDR_LEN     16
#define DHCP_BOOTP_MIN      300  /* RFC 1542: pad replies to this */
#define DHCP_MIN_MAX_SIZE   576  /* RFC 2132 9.10: least option 57 */
#define DHCP_IPUDP_LEN      28   /* IPv4 + UDP headers */
#define DHCP_MAX_REPLY      1472 /* one Ethernet frame's payload */
#define DHCP_MAX_OPT        255  /* one option's data */
#define DHCP_MAX_HOSTNAME   63   /* one DNS label */
#define DHCP_FLAG_BROADCAST 0x8000

enum dhcp_op { DHCP_BOOTREQUEST = 1, DHCP_BOOTREPLY = 2 };

/* Option 53 values (RFC 2132 9.6). */
enum dhcp_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

/* Option codes used here (RFC 2132 unless noted). */
enum dhcp_opt {
	DHO_PAD = 0,
	DHO_SUBNET_MASK = 1,
	DHO_ROUTER = 3,
	DHO_DNS = 6,
	DHO_HOSTNAME = 12,
	DHO_DOMAIN = 15,
	DHO_BROADCAST = 28,
	DHO_NTP = 42,
	DHO_REQUESTED_ADDR = 50,
	DHO_LEASE_TIME = 51,
	DHO_OVERLOAD = 52,
	DHO_MSG_TYPE = 53,
	DHO_SERVER_ID = 54,
	DHO_PARAM_LIST = 55,
	DHO_MESSAGE = 56,
	DHO_MAX_SIZE = 57,
	DHO_T1 = 58,
	DHO_T2 = 59,
	DHO_CLIENT_ID = 61,
	DHO_FQDN = 81,                 /* RFC 4702 */
	DHO_AGENT_INFO = 82,           /* RFC 3046 */
	DHO_CLASSLESS_ROUTES = 121,    /* RFC 3442 */
	DHO_MS_CLASSLESS_ROUTES = 249, /* the same, for old Windows */
	DHO_END = 255,
};

/* Why a packet was rejected. */
enum dhcp_parse_err {
	DHCP_OK = 0,
	DHCP_ERR_SHORT,     /* shorter than the header and cookie */
	DHCP_ERR_OP,        /* not a BOOTREQUEST */
	DHCP_ERR_HLEN,      /* hlen over 16, or not 6 for Ethernet */
	DHCP_ERR_COOKIE,    /* no magic cookie: plain BOOTP or junk */
	DHCP_ERR_TRUNCATED, /* an option runs past the end of its field */
	DHCP_ERR_OPTLEN,    /* a fixed-size option has the wrong length */
	DHCP_ERR_NO_TYPE,   /* no option 53 */
	DHCP_ERR_BAD_TYPE,  /* option 53 not a client's message type */
};

/* A parsed request.  Variable options are copied (RFC 3396 concatenation). */
struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;         /* network order, echoed */
	uint16_t secs, flags; /* host order */
	struct in_addr ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[DHCP_CHADDR_LEN];
	uint8_t type;     /* enum dhcp_type */
	uint8_t overload; /* option 52: 1 file, 2 sname, 3 both */
	bool has_requested, has_server_id;
	struct in_addr requested; /* option 50 */
	struct in_addr server_id; /* option 54 */
	uint16_t max_size;        /* option 57; 0 when absent */
	uint16_t client_id_len;   /* option 61; 0 when absent */
	uint8_t client_id[DHCP_MAX_OPT];
	uint16_t prl_len; /* option 55; 0 when absent */
	uint8_t prl[DHCP_MAX_OPT];
	uint16_t agent_len; /* option 82, echoed to the relay */
	uint8_t agent[DHCP_MAX_OPT];
	uint8_t hostname_len; /* from 12, else 81; sanitised */
	char hostname[DHCP_MAX_HOSTNAME + 1];
};

/* Parses a received message; DHCP_OK or the reason it was rejected. */
enum dhcp_parse_err dhcp_parse(const uint8_t *buf, size_t len,
			       struct dhcp_msg *out);
/* A fixed name for an error, for log lines. */
const char *dhcp_parse_strerror(enum dhcp_parse_err e);
/* "DISCOVER" ... "INFORM"; "?" for others. */
const char *dhcp_type_name(unsigned type);
/* Whether the client's option 55 lists `code`; true when it sent none. */
bool dhcp_requested(const struct dhcp_msg *m, uint8_t code);

/* A reply under construction in a caller's buffer. */
struct dhcp_builder {
	uint8_t *buf;
	size_t cap; /* bytes the reply may use, end option included */
	size_t len;
	const struct dhcp_msg *req;
	bool full; /* an option did not fit */
};

/*
 * Starts a reply of `type` to `req` in buf (at least DHCP_MAX_REPLY
 * bytes): header, cookie, option 53 and option 54 (`server_id`).  The
 * reply is capped at the client's option 57 less the IP and UDP headers
 * (576 when absent), at most DHCP_MAX_REPLY.
 */
void dhcp_build_start(struct dhcp_builder *b, uint8_t *buf, size_t bufsize,
		      const struct dhcp_msg *req, enum dhcp_type type,
		      struct in_addr yiaddr, struct in_addr server_id);
/*
 * Adds an option if `always` or the client asked for it, and if it fits.
 * Returns 0 when added or skipped because unrequested, -1 when it did not
 * fit (or len > 255).
 */
int dhcp_build_opt(struct dhcp_builder *b, uint8_t code, const void *data,
		   size_t len, bool always);
int dhcp_build_u32(struct dhcp_builder *b, uint8_t code, uint32_t v,
		   bool always);
/* Ends the options and pads to DHCP_BOOTP_MIN.  Returns the length. */
size_t dhcp_build_finish(struct dhcp_builder *b);

/* One classless route (RFC 3442): destination, prefix length, router. */
struct dhcp_route {
	struct in_addr to;
	uint8_t prefix;
	struct in_addr via;
};

/*
 * Encodes routes as options 121/249 data: per route the prefix length,
 * the significant octets of the destination, and the router.  Returns
 * the length, or -1 when it exceeds cap.
 */
int dhcp_encode_routes(const struct dhcp_route *r, size_t n, uint8_t *out,
		       size_t cap);

#endif
