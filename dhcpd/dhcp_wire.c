/* dhcp_wire: DHCPv4 message parser and reply builder (see dhcp_wire.h). */
#include "dhcp_wire.h"

#include <string.h>

/* A bounds-checked cursor over one options field. */
struct cursor {
	const uint8_t *p;
	size_t rem;
};

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Appends data to a concatenated option (RFC 3396), cut at DHCP_MAX_OPT. */
static void
append(uint8_t *dst, uint16_t *dlen, const uint8_t *src, size_t len)
{
	size_t room = DHCP_MAX_OPT - *dlen;

	if (len > room)
		len = room;
	memcpy(dst + *dlen, src, len);
	*dlen = (uint16_t)(*dlen + len);
}

/* Keeps [A-Za-z0-9-] of a host name, up to one label. */
static void
set_hostname(struct dhcp_msg *m, const uint8_t *s, size_t len)
{
	size_t i;

	m->hostname_len = 0;
	for (i = 0; i < len && m->hostname_len < DHCP_MAX_HOSTNAME; i++) {
		uint8_t ch = s[i];

		if (ch == '.' || ch == 0)
			break;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-')
			m->hostname[m->hostname_len++] = (char)ch;
	}
	m->hostname[m->hostname_len] = '\0';
}

/* Option 81 (RFC 4702): flags, two rcodes, then a name, wire or text. */
static void
set_fqdn(struct dhcp_msg *m, const uint8_t *d, size_t len, bool *from12)
{
	if (*from12 || len < 4)
		return;
	if (d[0] & 0x04) { /* E bit: canonical wire format */
		size_t l = d[3];

		if (l > 0 && l <= len - 4)
			set_hostname(m, d + 4, l);
	} else {
		set_hostname(m, d + 3, len - 3);
	}
}

static int
fixed(size_t len, size_t want)
{
	return len == want ? 0 : -1;
}

/* Records one option.  Returns DHCP_OK or DHCP_ERR_OPTLEN. */
static enum dhcp_parse_err
take_option(struct dhcp_msg *m, uint8_t code, const uint8_t *d, size_t len,
	    bool top, bool *from12)
{
	switch (code) {
	case DHO_MSG_TYPE:
		if (fixed(len, 1) == -1)
			return DHCP_ERR_OPTLEN;
		m->type = d[0];
		break;
	case DHO_OVERLOAD:
		if (fixed(len, 1) == -1 || d[0] < 1 || d[0] > 3)
			return DHCP_ERR_OPTLEN;
		if (top) /* only the options field may say so */
			m->overload = d[0];
		break;
	case DHO_REQUESTED_ADDR:
		if (fixed(len, 4) == -1)
			return DHCP_ERR_OPTLEN;
		m->has_requested = true;
		memcpy(&m->requested, d, 4);
		break;
	case DHO_SERVER_ID:
		if (fixed(len, 4) == -1)
			return DHCP_ERR_OPTLEN;
		m->has_server_id = true;
		memcpy(&m->server_id, d, 4);
		break;
	case DHO_MAX_SIZE:
		if (fixed(len, 2) == -1)
			return DHCP_ERR_OPTLEN;
		m->max_size = get16(d);
		break;
	case DHO_CLIENT_ID:
		append(m->client_id, &m->client_id_len, d, len);
		break;
	case DHO_PARAM_LIST:
		append(m->prl, &m->prl_len, d, len);
		break;
	case DHO_AGENT_INFO:
		append(m->agent, &m->agent_len, d, len);
		break;
	case DHO_HOSTNAME:
		set_hostname(m, d, len);
		*from12 = true;
		break;
	case DHO_FQDN:
		set_fqdn(m, d, len, from12);
		break;
	default:
		break;
	}
	return DHCP_OK;
}

/* Walks one options field; an END or the field's end stops it. */
static enum dhcp_parse_err
walk(struct dhcp_msg *m, struct cursor c, bool top, bool *from12)
{
	enum dhcp_parse_err e;
	uint8_t code, len;

	while (c.rem > 0) {
		code = c.p[0];
		if (code == DHO_END)
			return DHCP_OK;
		if (code == DHO_PAD) {
			c.p++;
			c.rem--;
			continue;
		}
		if (c.rem < 2)
			return DHCP_ERR_TRUNCATED;
		len = c.p[1];
		if ((size_t)len > c.rem - 2)
			return DHCP_ERR_TRUNCATED;
		e = take_option(m, code, c.p + 2, len, top, from12);
		if (e != DHCP_OK)
			return e;
		c.p += 2 + (size_t)len;
		c.rem -= 2 + (size_t)len;
	}
	return DHCP_OK;
}

static void
parse_header(const uint8_t *buf, struct dhcp_msg *m)
{
	m->op = buf[0];
	m->htype = buf[1];
	m->hlen = buf[2];
	m->hops = buf[3];
	memcpy(&m->xid, buf + 4, 4);
	m->secs = get16(buf + 8);
	m->flags = get16(buf + 10);
	memcpy(&m->ciaddr, buf + 12, 4);
	memcpy(&m->yiaddr, buf + 16, 4);
	memcpy(&m->siaddr, buf + 20, 4);
	memcpy(&m->giaddr, buf + 24, 4);
	memcpy(m->chaddr, buf + 28, DHCP_CHADDR_LEN);
}

enum dhcp_parse_err
dhcp_parse(const uint8_t *buf, size_t len, struct dhcp_msg *m)
{
	struct cursor c;
	enum dhcp_parse_err e;
	bool from12 = false;

	memset(m, 0, sizeof(*m));
	if (len < DHCP_OPTIONS_OFF)
		return DHCP_ERR_SHORT;
	parse_header(buf, m);
	if (m->op != DHCP_BOOTREQUEST)
		return DHCP_ERR_OP;
	if (m->hlen > DHCP_CHADDR_LEN || (m->htype == 1 && m->hlen != 6))
		return DHCP_ERR_HLEN;
	if (get32(buf + DHCP_FIXED_LEN) != DHCP_MAGIC)
		return DHCP_ERR_COOKIE;
	c.p = buf + DHCP_OPTIONS_OFF;
	c.rem = len - DHCP_OPTIONS_OFF;
	if ((e = walk(m, c, true, &from12)) != DHCP_OK)
		return e;
	/* RFC 2131 4.1: file first, then sname. */
	if (m->overload & 1) {
		c.p = buf + DHCP_FILE_OFF;
		c.rem = DHCP_FILE_LEN;
		if ((e = walk(m, c, false, &from12)) != DHCP_OK)
			return e;
	}
	if (m->overload & 2) {
		c.p = buf + DHCP_SNAME_OFF;
		c.rem = DHCP_SNAME_LEN;
		if ((e = walk(m, c, false, &from12)) != DHCP_OK)
			return e;
	}
	if (m->type == 0)
		return DHCP_ERR_NO_TYPE;
	if (m->type != DHCP_DISCOVER && m->type != DHCP_REQUEST &&
	    m->type != DHCP_DECLINE && m->type != DHCP_RELEASE &&
	    m->type != DHCP_INFORM)
		return DHCP_ERR_BAD_TYPE;
	return DHCP_OK;
}

const char *
dhcp_parse_strerror(enum dhcp_parse_err e)
{
	switch (e) {
	case DHCP_OK:
		return "ok";
	case DHCP_ERR_SHORT:
		return "too short";
	case DHCP_ERR_OP:
		return "not a BOOTREQUEST";
	case DHCP_ERR_HLEN:
		return "bad hardware address length";
	case DHCP_ERR_COOKIE:
		return "no DHCP magic cookie";
	case DHCP_ERR_TRUNCATED:
		return "option runs past the end";
	case DHCP_ERR_OPTLEN:
		return "option of the wrong length";
	case DHCP_ERR_NO_TYPE:
		return "no message type";
	case DHCP_ERR_BAD_TYPE:
		return "not a client message type";
	}
	return "?";
}

const char *
dhcp_type_name(unsigned type)
{
	static const char *const names[] = {
		"?",   "DISCOVER", "OFFER",   "REQUEST", "DECLINE",
		"ACK", "NAK",      "RELEASE", "INFORM",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

bool
dhcp_requested(const struct dhcp_msg *m, uint8_t code)
{
	uint16_t i;

	if (m->prl_len == 0)
		return true;
	for (i = 0; i < m->prl_len; i++) {
		if (m->prl[i] == code)
			return true;
	}
	return false;
}

static size_t
reply_cap(const struct dhcp_msg *req, size_t bufsize)
{
	size_t cap = DHCP_MIN_MAX_SIZE - DHCP_IPUDP_LEN;

	if (req->max_size > DHCP_MIN_MAX_SIZE)
		cap = (size_t)req->max_size - DHCP_IPUDP_LEN;
	if (cap > DHCP_MAX_REPLY)
		cap = DHCP_MAX_REPLY;
	if (cap > bufsize)
		cap = bufsize;
	return cap;
}

void
dhcp_build_start(struct dhcp_builder *b, uint8_t *buf, size_t bufsize,
		 const struct dhcp_msg *req, enum dhcp_type type,
		 struct in_addr yiaddr, struct in_addr server_id)
{
	uint8_t t = (uint8_t)type;

	b->buf = buf;
	b->cap = reply_cap(req, bufsize);
	b->req = req;
	b->full = false;
	memset(buf, 0, DHCP_OPTIONS_OFF);
	buf[0] = DHCP_BOOTREPLY;
	buf[1] = req->htype;
	buf[2] = req->hlen;
	memcpy(buf + 4, &req->xid, 4);
	buf[10] = (uint8_t)(req->flags >> 8);
	buf[11] = (uint8_t)req->flags;
	if (type != DHCP_NAK)
		memcpy(buf + 12, &req->ciaddr, 4);
	memcpy(buf + 16, &yiaddr, 4);
	memcpy(buf + 24, &req->giaddr, 4);
	memcpy(buf + 28, req->chaddr, DHCP_CHADDR_LEN);
	buf[236] = 0x63;
	buf[237] = 0x82;
	buf[238] = 0x53;
	buf[239] = 0x63;
	b->len = DHCP_OPTIONS_OFF;
	dhcp_build_opt(b, DHO_MSG_TYPE, &t, 1, true);
	dhcp_build_opt(b, DHO_SERVER_ID, &server_id, 4, true);
}

int
dhcp_build_opt(struct dhcp_builder *b, uint8_t code, const void *data,
	       size_t len, bool always)
{
	if (!always && !dhcp_requested(b->req, code))
		return 0;
	/* one byte stays free for the end option */
	if (len > DHCP_MAX_OPT || b->len + 2 + len + 1 > b->cap) {
		b->full = true;
		return -1;
	}
	b->buf[b->len] = code;
	b->buf[b->len + 1] = (uint8_t)len;
	if (len > 0)
		memcpy(b->buf + b->len + 2, data, len);
	b->len += 2 + len;
	return 0;
}

int
dhcp_build_u32(struct dhcp_builder *b, uint8_t code, uint32_t v, bool always)
{
	uint8_t d[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
			(uint8_t)(v >> 8), (uint8_t)v};

	return dhcp_build_opt(b, code, d, sizeof(d), always);
}

size_t
dhcp_build_finish(struct dhcp_builder *b)
{
	b->buf[b->len++] = DHO_END;
	if (b->len < DHCP_BOOTP_MIN) {
		memset(b->buf + b->len, 0, DHCP_BOOTP_MIN - b->len);
		b->len = DHCP_BOOTP_MIN;
	}
	return b->len;
}

int
dhcp_encode_routes(const struct dhcp_route *r, size_t n, uint8_t *out,
		   size_t cap)
{
	size_t i, len = 0, sig;

	for (i = 0; i < n; i++) {
		if (r[i].prefix > 32)
			return -1;
		sig = ((size_t)r[i].prefix + 7) / 8;
		if (len + 1 + sig + 4 > cap)
			return -1;
		out[len++] = r[i].prefix;
		memcpy(out + len, &r[i].to, sig);
		len += sig;
		memcpy(out + len, &r[i].via, 4);
		len += 4;
	}
	return (int)len;
}
