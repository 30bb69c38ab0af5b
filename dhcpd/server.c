/* server: sockets, one event-loop turn, group commit (see server.h). */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "clock.h"
#include "dgram.h"
#include "lease_store.h"
#include "net.h"
#include "syncer.h"

static int
if_lookup(struct srv_if *ifp, const struct config_dhcp *cfg)
{
	struct ifaddrs *ifa, *i;
	struct ifreq ifr;
	int fd, found = 0;

	if ((ifp->ifindex = if_nametoindex(ifp->name)) == 0) {
		log_err("interface %s: %s", ifp->name, strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifp->name);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd != -1 && ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(ifp->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (fd != -1)
		close(fd);
	if (getifaddrs(&ifa) == -1) {
		log_err("getifaddrs: %s", strerror(errno));
		return -1;
	}
	for (i = ifa; i != NULL; i = i->ifa_next) {
		struct net_addr a = {.family = AF_INET};
		size_t k;

		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, ifp->name) != 0)
			continue;
		a.v4 = ((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
		if (!found)
			ifp->addr = a.v4;
		found = 1;
		for (k = 0; k < cfg->subnets_count; k++) {
			if (net_cidr_contains(&cfg->subnets[k].network, &a))
				ifp->addr = a.v4; /* prefer the subnet's */
		}
	}
	freeifaddrs(ifa);
	if (!found) {
		log_err("interface %s has no IPv4 address: dhcpd needs one "
			"as its server identifier",
			ifp->name);
		return -1;
	}
	return 0;
}

static int
raw_open(struct srv_if *ifp)
{
	struct sockaddr_ll sll;

	ifp->raw_fd =
		socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ifp->raw_fd == -1) {
		log_warn("interface %s: packet socket: %s; replies to clients "
			 "without an address will be broadcast",
			 ifp->name, strerror(errno));
		return 0;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)ifp->ifindex;
	sll.sll_protocol = 0; /* send only: receive nothing */
	if (bind(ifp->raw_fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		log_err("interface %s: packet socket: %s", ifp->name,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int
if_open(struct srv_if *ifp, const struct config_dhcp *cfg)
{
	struct net_sockaddr sa;
	char err[NET_ERRLEN];
	int rcvbuf = SERVER_RCVBUF;

	memset(&sa, 0, sizeof(sa));
	sa.len = sizeof(sa.sin);
	sa.sin.sin_family = AF_INET;
	sa.sin.sin_port = htons(DHCP_SERVER_PORT);
	ifp->raw_fd = -1;
	if (ifp->name[0] != '\0' && if_lookup(ifp, cfg) == -1)
		return -1;
	ifp->fd = net_listen(
		&sa, SOCK_DGRAM, NET_LISTEN_BROADCAST | NET_LISTEN_PKTINFO,
		ifp->name[0] != '\0' ? ifp->name : NULL, err, sizeof(err));
	if (ifp->fd == -1) {
		log_err("%s%s%s", ifp->name, ifp->name[0] ? ": " : "", err);
		return -1;
	}
	/* room for the requests that arrive while a turn is busy */
	if (setsockopt(ifp->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) == -1)
		(void)setsockopt(ifp->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				 sizeof(rcvbuf));
	if (ifp->name[0] != '\0')
		return raw_open(ifp);
	return 0;
}

static struct srv_if *
if_by_name(struct server *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nifs; i++) {
		if (strcmp(s->ifs[i].name, name) == 0)
			return &s->ifs[i];
	}
	return NULL;
}

/* One srv_if per interface named, and "" when some subnet has none. */
static int
ifs_open(struct server *s)
{
	const struct config_dhcp *cfg = s->cfg;
	const char *name;
	size_t i;

	for (i = 0; i < cfg->subnets_count; i++) {
		name = cfg->subnets[i].interface ? cfg->subnets[i].interface : "";
		if (if_by_name(s, name) != NULL)
			continue;
		if (s->nifs == SERVER_MAX_IFS) {
			log_err("more than %d interfaces", SERVER_MAX_IFS);
			return -1;
		}
		snprintf(s->ifs[s->nifs].name, sizeof(s->ifs[0].name), "%s",
			 name);
		s->ifs[s->nifs].fd = s->ifs[s->nifs].raw_fd = -1;
		s->nifs++;
		if (if_open(&s->ifs[s->nifs - 1], cfg) == -1)
			return -1;
	}
	return 0;
}

/* The datagram's local address (spec_dst) and its header destination. */
static struct in_addr
pktinfo_local(const struct dgram_slot *slot, struct in_addr *dst)
{
	struct msghdr h = {.msg_control = slot->control,
			   .msg_controllen = slot->control_len};
	struct cmsghdr *c;
	struct in_addr a = {0};

	for (c = CMSG_FIRSTHDR(&h); c != NULL; c = CMSG_NXTHDR(&h, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			a = pi.ipi_spec_dst;
			*dst = pi.ipi_addr;
		}
	}
	return a;
}

static void
handle_datagram(struct server *s, struct srv_if *ifp,
		const struct dgram_slot *slot)
{
	struct dhcp_msg m;
	enum dhcp_parse_err e;
	char peer[NET_ADDRSTRLEN];
	struct in_addr local, dst = {0};

	s->n.received++;
	if (slot->truncated)
		e = DHCP_ERR_TRUNCATED;
	else
		e = dhcp_parse(slot->data, slot->len, &m);
	if (e != DHCP_OK) {
		s->n.malformed++;
		log_limited(
			&s->malformed_log, LOG_LEVEL_INFO,
			"malformed packet from %s on %s: %s",
			net_format_sockaddr(&slot->peer, peer, sizeof(peer)),
			ifp->name[0] ? ifp->name : "relay socket",
			dhcp_parse_strerror(e));
		return;
	}
	local = pktinfo_local(slot, &dst);
	/*
	 * A relay that broadcasts onto a served LAN (to 255.255.255.255 or
	 * the subnet's broadcast address: any destination but the local
	 * address of a unicast) reaches both this interface's socket and
	 * the relay socket: the relay socket answers.
	 */
	if (ifp->name[0] != '\0' && m.giaddr.s_addr != 0 && dst.s_addr != 0 &&
	    dst.s_addr != local.s_addr && if_by_name(s, "") != NULL)
		return;
	handler_request(s, ifp, &m, local);
}

/* Every lease in memory, as a journal record. */
static void
rewrite_one(const struct lease *l, void *arg)
{
	struct lease_store *st = arg;
	struct lease_rec rec;

	if (l->state != LEASE_OFFERED) {
		lease_store_rewrite_add(st, l);
		return;
	}
	/* an offer is not durable: record the lease as it was, free */
	memcpy(&rec.lease, l, sizeof(*l) + l->id_len);
	rec.lease.state = LEASE_FREE;
	lease_store_rewrite_add(st, &rec.lease);
}

static int
rewrite_from_memory(struct server *s)
{
	char err[LEASE_STORE_ERRLEN];
	struct lease_store_stats st;
	size_t i;

	if (lease_store_rewrite_begin(s->store, err, sizeof(err)) == 0) {
		for (i = 0; i < s->nsubnets; i++)
			pool_foreach(s->subnets[i].pool, rewrite_one, s->store);
		if (lease_store_rewrite_end(s->store, err, sizeof(err)) == 0) {
			s->queue_timed = false; /* the queue went in too */
			lease_store_get_stats(s->store, &st);
			s->compact_at = st.records * 2 > LEASE_STORE_COMPACT_MIN
						? st.records * 2
						: LEASE_STORE_COMPACT_MIN;
			return 0;
		}
	}
	log_limited(&s->store_log, LOG_LEVEL_ERROR, "%s", err);
	return -1;
}

static void commit_kick(struct server *s, bool force);

/* A failed journal: rewrite it from memory, at most once a second. */
static int
store_recover(struct server *s)
{
	if (clock_mono_s() < s->next_rewrite)
		return -1;
	s->next_rewrite = clock_mono_s() + SERVER_RETRY_REWRITE;
	return rewrite_from_memory(s);
}

static void
prepare_msg(struct srv_reply *r, struct mmsghdr *mh, struct iovec *iov,
	    struct sockaddr_ll *ll)
{
	memset(mh, 0, sizeof(*mh));
	if (r->raw) {
		memset(ll, 0, sizeof(*ll));
		ll->sll_family = AF_PACKET;
		ll->sll_protocol = htons(ETH_P_IP);
		ll->sll_ifindex = (int)r->ifindex;
		ll->sll_halen = 6;
		memcpy(ll->sll_addr, r->mac, 6);
		iov->iov_base = r->buf;
		iov->iov_len = r->len + RAWPKT_HDR_LEN;
		mh->msg_hdr.msg_name = ll;
		mh->msg_hdr.msg_namelen = sizeof(*ll);
	} else {
		iov->iov_base = r->buf + RAWPKT_HDR_LEN;
		iov->iov_len = r->len;
		mh->msg_hdr.msg_name = &r->peer.sa;
		mh->msg_hdr.msg_namelen = r->peer.len;
	}
	mh->msg_hdr.msg_iov = iov;
	mh->msg_hdr.msg_iovlen = 1;
}

static void
send_run(struct server *s, struct mmsghdr *mh, unsigned n, int fd)
{
	unsigned done = 0;
	int k;

	while (done < n) {
		k = sendmmsg(fd, mh + done, n - done, MSG_DONTWAIT);
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1) {
			s->n.unsent++;
			log_limited(&s->send_log, LOG_LEVEL_WARNING,
				    "sending a reply: %s", strerror(errno));
			done++;
			continue;
		}
		done += (unsigned)k;
	}
}

/*
 * Sends replies, one sendmmsg per run of replies on the same socket;
 * with `durable` false only those that need no journal record.
 */
static void
send_replies(struct server *s, struct srv_reply *r, size_t count, bool durable)
{
	static struct mmsghdr mh[SERVER_SEND_BATCH];
	static struct iovec iov[SERVER_SEND_BATCH];
	static struct sockaddr_ll ll[SERVER_SEND_BATCH];
	unsigned n = 0;
	size_t i;
	int fd = -1;

	for (i = 0; i < count; i++) {
		if (r[i].durable && !durable)
			continue;
		if (n > 0 && (r[i].fd != fd || n == SERVER_SEND_BATCH)) {
			send_run(s, mh, n, fd);
			n = 0;
		}
		fd = r[i].fd;
		prepare_msg(&r[i], &mh[n], &iov[n], &ll[n]);
		n++;
	}
	if (n > 0)
		send_run(s, mh, n, fd);
}

static void
drop_acks(struct server *s, size_t *count)
{
	s->n.unsent += *count;
	*count = 0;
}

static void
commit_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;

	(void)fd;
	(void)what;
	clock_refresh();
	commit_kick(s, true);
}

/*
 * Whether to wait a little for more records (group commit delay): each
 * fdatasync costs far more than a record, and a client waits seconds.
 */
static bool
commit_defer(struct server *s, bool force)
{
	/* exact time: the delay (2 ms) is below a tick of the cached clock */
	uint64_t now = clock_mono_ms_now(), due;
	struct timeval tv;

	if (force || lease_store_pending(s->store) >= SERVER_COMMIT_BATCH ||
	    lease_store_failed(s->store))
		return false;
	due = s->first_queued_ms + SERVER_COMMIT_DELAY_MS;
	if (now >= due)
		return false;
	if (!evtimer_pending(s->commit_timer, NULL)) {
		tv.tv_sec = 0;
		tv.tv_usec = (suseconds_t)((due - now) * 1000);
		evtimer_add(s->commit_timer, &tv);
	}
	return true;
}

/* Hands the queued records (and their ACKs) to the syncer, if idle. */
static void
commit_kick(struct server *s, bool force)
{
	struct srv_reply *t;

	if (syncer_busy(s->syncer) || commit_defer(s, force))
		return;
	evtimer_del(s->commit_timer);
	if (lease_store_failed(s->store)) {
		/* a rewrite from memory covers every queued record too */
		if (store_recover(s) == 0)
			send_replies(s, s->waiting, s->nwaiting, true);
		else if (s->nwaiting > 0)
			log_limited(&s->store_log, LOG_LEVEL_ERROR,
				    "lease journal %s still failing: %zu "
				    "acknowledgements withheld",
				    s->cfg->lease_file, s->nwaiting);
		s->nwaiting = 0;
		return;
	}
	s->queue_timed = false;
	if (lease_store_commit_begin(s->store) == 0) {
		drop_acks(s, &s->nwaiting); /* their records were lost */
		return;
	}
	t = s->flight;
	s->flight = s->waiting;
	s->nflight = s->nwaiting;
	s->waiting = t;
	s->nwaiting = 0;
	syncer_start(s->syncer);
}

/*
 * The journal grew past compact_at: rewrite it from memory.  The rewrite
 * holds the queued records too, so their ACKs may leave.  A failed one
 * (a nearly full disk that still takes appends) gives the queue back to
 * the journal, whose next commit releases those ACKs, and is not retried
 * until the journal has doubled, so it cannot cost a rewrite per commit.
 */
static void
compact(struct server *s, size_t records)
{
	if (rewrite_from_memory(s) == -1) {
		s->compact_at = records * 2;
		return;
	}
	if (s->nwaiting > 0) {
		send_replies(s, s->waiting, s->nwaiting, true);
		s->nwaiting = 0;
	}
}

/* On the loop thread: the batch in flight is durable, or failed. */
static void
commit_done(void *arg)
{
	struct server *s = arg;
	struct lease_store_stats st;

	if (lease_store_commit_end(s->store) == 0) {
		send_replies(s, s->flight, s->nflight, true);
		s->nflight = 0;
		lease_store_get_stats(s->store, &st);
		if (st.records > s->compact_at)
			compact(s, st.records);
	} else {
		log_limited(&s->store_log, LOG_LEVEL_ERROR,
			    "lease journal %s: %s: rewriting it from memory; "
			    "no acknowledgement leaves until a write succeeds",
			    s->cfg->lease_file, strerror(errno));
		if (lease_store_failed(s->store) && store_recover(s) == 0) {
			send_replies(s, s->flight, s->nflight, true);
			send_replies(s, s->waiting, s->nwaiting, true);
			s->nwaiting = 0;
		}
		drop_acks(s, &s->nflight);
	}
	if (s->nwaiting > 0 || lease_store_pending(s->store) > 0)
		commit_kick(s, false);
}

/*
 * Ends a turn: replies that need no record leave now; ACKs wait for the
 * fdatasync of the batch holding their records.
 */
static void
turn_end(struct server *s)
{
	size_t i;

	if (lease_store_pending(s->store) > 0 && !s->queue_timed) {
		s->first_queued_ms = clock_mono_ms_now();
		s->queue_timed = true;
	}

	send_replies(s, s->replies, s->nreplies, false);
	for (i = 0; i < s->nreplies; i++) {
		struct srv_reply *r = &s->replies[i];

		if (!r->durable)
			continue;
		if (s->nwaiting == SERVER_MAX_WAITING) {
			s->n.unsent++; /* the client will ask again */
			continue;
		}
		memcpy(&s->waiting[s->nwaiting++], r,
		       offsetof(struct srv_reply, buf) + RAWPKT_HDR_LEN +
			       r->len);
	}
	s->nreplies = 0;
	if (s->nwaiting > 0 || lease_store_pending(s->store) > 0)
		commit_kick(s, false);
}

/* Makes every queued change durable and sends its ACKs (for stopping). */
int
server_sync(struct server *s)
{
	syncer_wait(s->syncer);
	if (s->nreplies > 0)
		turn_end(s);
	syncer_wait(s->syncer);
	if (lease_store_pending(s->store) == 0 && !lease_store_failed(s->store))
		return 0;
	if (lease_store_commit(s->store) == 0) {
		send_replies(s, s->waiting, s->nwaiting, true);
		s->nwaiting = 0;
		return 0;
	}
	s->next_rewrite = 0;
	if (store_recover(s) == 0) {
		send_replies(s, s->waiting, s->nwaiting, true);
		s->nwaiting = 0;
		return 0;
	}
	drop_acks(s, &s->nwaiting);
	return -1;
}

/* Drains a socket in batches; returns the datagrams handled. */
static unsigned
server_drain(struct server *s, struct srv_if *ifp)
{
	unsigned round, i, total = 0;
	int n;

	clock_refresh();
	for (round = 0; round < SERVER_MAX_ROUNDS; round++) {
		n = dgram_recv(s->in, ifp->fd);
		if (n <= 0)
			break;
		total += (unsigned)n;
		for (i = 0; i < (unsigned)n; i++) {
			handle_datagram(s, ifp, dgram_batch_slot(s->in, i));
			if (s->nreplies == SERVER_MAX_REPLIES)
				turn_end(s);
		}
		if ((unsigned)n < dgram_batch_capacity(s->in))
			break;
	}
	turn_end(s);
	return total;
}

/*
 * Interrupt coalescing: a wake-up that found only a few datagrams stops
 * watching the socket for SERVER_COALESCE_US, so that under load one
 * wake-up (and one recvmmsg and sendmmsg) serves many; a pause that
 * finds the socket empty resumes watching it.
 */
static void
server_pause_cb(evutil_socket_t fd, short what, void *arg)
{
	struct srv_if *ifp = arg;
	struct timeval tv = {0, SERVER_COALESCE_US};

	(void)fd;
	(void)what;
	if (server_drain(ifp->srv, ifp) == 0)
		event_add(ifp->ev, NULL);
	else
		evtimer_add(ifp->pause, &tv);
}

static void
server_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct srv_if *ifp = arg;
	struct timeval tv = {0, SERVER_COALESCE_US};

	(void)fd;
	(void)what;
	if (server_drain(ifp->srv, ifp) >= SERVER_COALESCE_MIN)
		return;
	event_del(ifp->ev);
	evtimer_add(ifp->pause, &tv);
}

struct srv_subnet *
server_subnet_by_addr(struct srv_subnet *p, size_t count, struct in_addr a)
{
	struct net_addr na = {.family = AF_INET, .v4 = a};
	size_t i;

	for (i = 0; i < count; i++) {
		if (net_cidr_contains(&p[i].cfg->network, &na))
			return &p[i];
	}
	return NULL;
}

int
server_restore(const struct lease *l, void *arg)
{
	struct restore_ctx *rc = arg;
	struct srv_subnet *sn;

	sn = server_subnet_by_addr(rc->subnets, rc->count, l->addr);
	if (sn != NULL && pool_restore(sn->pool, l, clock_wall()) == 0)
		rc->restored++;
	else
		rc->dropped++;
	return 0;
}

struct srv_subnet *
server_pools_new(const struct config_dhcp *cfg, size_t *count)
{
	struct srv_subnet *p = calloc(cfg->subnets_count + 1, sizeof(*p));
	size_t i;

	if (p == NULL)
		return NULL;
	for (i = 0; i < cfg->subnets_count; i++) {
		p[i].cfg = &cfg->subnets[i];
		p[i].exhausted.burst = 1;
		p[i].exhausted.interval = SERVER_EXHAUSTED_INTERVAL;
		p[i].pool = pool_new(&cfg->subnets[i]);
		if (p[i].pool == NULL) {
			log_err("dhcp.subnets[%zu]: cannot build its pools "
				"(out of memory or over %u addresses)",
				i, POOL_MAX_ADDRESSES);
			server_pools_free(p, i);
			return NULL;
		}
	}
	*count = cfg->subnets_count;
	return p;
}

void
server_pools_free(struct srv_subnet *p, size_t count)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < count; i++)
		pool_free(p[i].pool);
	free(p);
}

/*
 * Our address on the subnet's interface inside its network: in a shared
 * network each subnet's clients get a server id and a default router
 * on their own link.
 */
static struct in_addr
subnet_addr(const struct ifaddrs *ifa, const struct srv_subnet *sn)
{
	struct net_addr a = {.family = AF_INET};
	const struct ifaddrs *i;

	for (i = ifa; i != NULL && sn->iface != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, sn->iface->name) != 0)
			continue;
		a.v4 = ((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
		if (net_cidr_contains(&sn->cfg->network, &a))
			return a.v4;
	}
	return (struct in_addr){0};
}

static void
subnets_bind_ifs(struct server *s)
{
	struct ifaddrs *ifa = NULL;
	size_t i;

	if (getifaddrs(&ifa) == -1) {
		log_warn("getifaddrs: %s", strerror(errno));
		ifa = NULL;
	}
	for (i = 0; i < s->nsubnets; i++) {
		const char *name = s->subnets[i].cfg->interface;

		s->subnets[i].iface = name != NULL ? if_by_name(s, name) : NULL;
		s->subnets[i].addr = subnet_addr(ifa, &s->subnets[i]);
	}
	if (ifa != NULL)
		freeifaddrs(ifa);
}

static int
store_open(struct server *s)
{
	struct restore_ctx rc = {s->subnets, s->nsubnets, 0, 0};
	char err[LEASE_STORE_ERRLEN];
	struct lease_store_stats st;
	uint64_t t0 = clock_mono_ms_now();

	s->store = lease_store_open(s->cfg->lease_file, server_restore, &rc,
				    err, sizeof(err));
	if (s->store == NULL) {
		log_err("lease file %s", err);
		return -1;
	}
	lease_store_get_stats(s->store, &st);
	log_info("%s: %lu leases restored, %lu outside every pool, %llu "
		 "torn records skipped, in %llu ms",
		 s->cfg->lease_file, rc.restored, rc.dropped,
		 (unsigned long long)st.torn,
		 (unsigned long long)(clock_mono_ms_now() - t0));
	s->compact_at = LEASE_STORE_COMPACT_MIN;
	if (st.records > s->compact_at || st.torn > 0)
		return rewrite_from_memory(s);
	return 0;
}

static int
events_add(struct server *s)
{
	size_t i;

	for (i = 0; i < s->nifs; i++) {
		s->ifs[i].srv = s;
		s->ifs[i].ev =
			event_new(s->base, s->ifs[i].fd, EV_READ | EV_PERSIST,
				  server_read_cb, &s->ifs[i]);
		s->ifs[i].pause =
			evtimer_new(s->base, server_pause_cb, &s->ifs[i]);
		if (s->ifs[i].ev == NULL || s->ifs[i].pause == NULL ||
		    event_add(s->ifs[i].ev, NULL) == -1) {
			log_err("cannot add socket events");
			return -1;
		}
	}
	return 0;
}

struct server *
server_new(struct event_base *base, const struct config_dhcp *cfg)
{
	struct server *s = calloc(1, sizeof(*s));
	struct log_limit lim = LOG_LIMIT_INIT;

	if (s == NULL)
		return NULL;
	s->base = base;
	s->cfg = cfg;
	s->malformed_log = s->store_log = s->send_log = lim;
	s->replies = calloc(SERVER_MAX_REPLIES, sizeof(*s->replies));
	s->waiting = calloc(SERVER_MAX_WAITING, sizeof(*s->waiting));
	s->flight = calloc(SERVER_MAX_WAITING, sizeof(*s->flight));
	s->in = dgram_batch_new(SERVER_BATCH, SERVER_RECV_BUF);
	if (s->replies == NULL || s->waiting == NULL || s->flight == NULL ||
	    s->in == NULL) {
		log_err("out of memory");
		goto fail;
	}
	s->subnets = server_pools_new(cfg, &s->nsubnets);
	if (s->subnets == NULL || store_open(s) == -1 || ifs_open(s) == -1)
		goto fail;
	subnets_bind_ifs(s);
	s->commit_timer = evtimer_new(base, commit_timer_cb, s);
	s->syncer = syncer_new(base, s->store, commit_done, s);
	if (s->syncer == NULL || s->commit_timer == NULL) {
		log_err("cannot start the journal thread: %s", strerror(errno));
		goto fail;
	}
	if (events_add(s) == -1)
		goto fail;
	return s;
fail:
	server_free(s);
	return NULL;
}

static void
move_lease(const struct lease *l, void *arg)
{
	struct restore_ctx *rc = arg;

	server_restore(l, rc);
}

int
server_reload(struct server *s, const struct config_dhcp *cfg)
{
	struct restore_ctx rc = {NULL, 0, 0, 0};
	size_t i;

	rc.subnets = server_pools_new(cfg, &rc.count);
	if (rc.subnets == NULL)
		return -1;
	for (i = 0; i < s->nsubnets; i++)
		pool_foreach(s->subnets[i].pool, move_lease, &rc);
	server_pools_free(s->subnets, s->nsubnets);
	s->subnets = rc.subnets;
	s->nsubnets = rc.count;
	s->cfg = cfg;
	subnets_bind_ifs(s);
	for (i = 0; i < s->nsubnets; i++) {
		if (s->subnets[i].cfg->interface == NULL &&
		    if_by_name(s, "") == NULL)
			log_warn("reload: dhcp.subnets[%zu] serves relays, but "
				 "dhcpd opened no socket for them: restart it",
				 i);
	}
	log_info("reload: %lu leases kept, %lu outside the new pools dropped",
		 rc.restored, rc.dropped);
	return 0;
}

void
server_stats(const struct server *s)
{
	struct lease_store_stats st;
	size_t i;

	lease_store_get_stats(s->store, &st);
	log_notice("stats: received %lu, malformed %lu, ignored %lu; "
		   "DISCOVER %lu REQUEST %lu DECLINE %lu RELEASE %lu INFORM "
		   "%lu; OFFER %lu ACK %lu NAK %lu; exhausted %lu; unsent %lu",
		   s->n.received, s->n.malformed, s->n.ignored,
		   s->n.by_type[DHCP_DISCOVER], s->n.by_type[DHCP_REQUEST],
		   s->n.by_type[DHCP_DECLINE], s->n.by_type[DHCP_RELEASE],
		   s->n.by_type[DHCP_INFORM], s->n.offers, s->n.acks, s->n.naks,
		   s->n.exhausted, s->n.unsent);
	log_notice("stats: journal %llu records, %llu commits, %llu failures",
		   (unsigned long long)st.records,
		   (unsigned long long)st.commits,
		   (unsigned long long)st.failures);
	for (i = 0; i < s->nsubnets; i++)
		log_notice("stats: dhcp.subnets[%zu]: %u of %u addresses free",
			   i, pool_free_count(s->subnets[i].pool),
			   pool_size(s->subnets[i].pool));
}

void
server_free(struct server *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nifs; i++) {
		if (s->ifs[i].ev != NULL)
			event_free(s->ifs[i].ev);
		if (s->ifs[i].pause != NULL)
			event_free(s->ifs[i].pause);
		if (s->ifs[i].fd != -1)
			close(s->ifs[i].fd);
		if (s->ifs[i].raw_fd != -1)
			close(s->ifs[i].raw_fd);
	}
	if (s->syncer != NULL)
		syncer_wait(s->syncer);
	syncer_free(s->syncer);
	if (s->commit_timer != NULL)
		event_free(s->commit_timer);
	lease_store_close(s->store);
	server_pools_free(s->subnets, s->nsubnets);
	dgram_batch_free(s->in);
	free(s->replies);
	free(s->waiting);
	free(s->flight);
	free(s);
}
