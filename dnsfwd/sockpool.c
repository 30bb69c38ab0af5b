/* sockpool: upstream UDP sockets on random ports; see sockpool.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <event2/event.h>

#include "net.h"
#include "sockpool.h"

struct sockpool_sock {
	struct sockpool *pool;
	int fd;
	struct event *ev;
	void *owner; /* NULL: free */
	unsigned uses;
	uint8_t fam; /* 0: AF_INET, 1: AF_INET6 */
};

struct sockpool_family {
	struct sockpool_sock *all[SOCKPOOL_MAX];
	unsigned count;
	struct sockpool_sock *free[SOCKPOOL_MAX];
	unsigned nfree;
};

struct sockpool {
	struct event_base *base;
	sockpool_read_fn cb;
	void *arg;
	struct sockpool_family fam[2];
	uint8_t random[SOCKPOOL_RANDOM];
	size_t random_left;
};

uint16_t
sockpool_random16(struct sockpool *p)
{
	uint16_t v;

	if (p->random_left < 2) {
		if (getrandom(p->random, sizeof(p->random), 0) !=
		    (ssize_t)sizeof(p->random))
			abort(); /* the kernel's CSPRNG is not optional */
		p->random_left = sizeof(p->random);
	}
	p->random_left -= 2;
	memcpy(&v, p->random + p->random_left, 2);
	return v;
}

/* Uniform in [0, n) for n <= 65536, without modulo bias. */
static unsigned
sockpool_uniform(struct sockpool *p, unsigned n)
{
	unsigned limit = 65536 - 65536 % n, v;

	do
		v = sockpool_random16(p);
	while (v >= limit);
	return v % n;
}

static void
sockpool_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sockpool_sock *s = arg;

	(void)what;
	s->pool->cb(fd, s->owner, s->pool->arg);
}

/* A non-blocking UDP socket bound to a random port of the family. */
static int
sockpool_open_fd(struct sockpool *p, uint8_t fam)
{
	struct net_sockaddr local;
	int fd, i;

	fd = socket(fam == 0 ? AF_INET : AF_INET6,
		    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	memset(&local, 0, sizeof(local));
	local.ss.ss_family = fam == 0 ? AF_INET : AF_INET6;
	local.len = fam == 0 ? sizeof(local.sin) : sizeof(local.sin6);
	for (i = 0; i < SOCKPOOL_PORT_TRIES; i++) {
		uint16_t port = (uint16_t)(1024 + sockpool_uniform(p, 64512));

		if (fam == 0)
			local.sin.sin_port = htons(port);
		else
			local.sin6.sin6_port = htons(port);
		if (bind(fd, &local.sa, local.len) == 0)
			return fd;
	}
	close(fd);
	errno = EADDRINUSE;
	return -1;
}

/* (Re)opens s on a fresh random port; -1 leaves it closed. */
static int
sockpool_open(struct sockpool *p, struct sockpool_sock *s)
{
	if (s->ev != NULL)
		event_free(s->ev);
	if (s->fd != -1)
		close(s->fd);
	s->ev = NULL;
	s->uses = 0;
	s->fd = sockpool_open_fd(p, s->fam);
	if (s->fd == -1)
		return -1;
	s->ev = event_new(p->base, s->fd, EV_READ | EV_PERSIST, sockpool_cb, s);
	if (s->ev == NULL || event_add(s->ev, NULL) == -1) {
		if (s->ev != NULL)
			event_free(s->ev);
		s->ev = NULL;
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	return 0;
}

/* One more socket in the family's pool; -1 when it cannot be opened. */
static int
sockpool_grow(struct sockpool *p, uint8_t fam)
{
	struct sockpool_family *f = &p->fam[fam];
	struct sockpool_sock *s;

	if (f->count == SOCKPOOL_MAX) {
		errno = EAGAIN;
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -1;
	s->pool = p;
	s->fd = -1;
	s->fam = fam;
	if (sockpool_open(p, s) == -1) {
		free(s);
		return -1;
	}
	f->all[f->count++] = s;
	f->free[f->nfree++] = s;
	return 0;
}

struct sockpool *
sockpool_new(struct event_base *base, sockpool_read_fn cb, void *arg)
{
	struct sockpool *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->base = base;
	p->cb = cb;
	p->arg = arg;
	return p;
}

struct sockpool_sock *
sockpool_get(struct sockpool *p, sa_family_t family, void *owner)
{
	uint8_t fam = family == AF_INET6 ? 1 : 0;
	struct sockpool_family *f = &p->fam[fam];
	struct sockpool_sock *s;
	unsigned i;

	while (f->count < SOCKPOOL_MIN && sockpool_grow(p, fam) == 0)
		;
	if (f->nfree == 0 && sockpool_grow(p, fam) == -1)
		return NULL;
	i = sockpool_uniform(p, f->nfree);
	s = f->free[i];
	f->free[i] = f->free[--f->nfree];
	s->owner = owner;
	s->uses++;
	return s;
}

int
sockpool_fd(const struct sockpool_sock *s)
{
	return s->fd;
}

static void
sockpool_drop(struct sockpool *p, struct sockpool_sock *s)
{
	struct sockpool_family *f = &p->fam[s->fam];
	unsigned i;

	for (i = 0; i < f->count; i++) {
		if (f->all[i] == s) {
			f->all[i] = f->all[--f->count];
			break;
		}
	}
	if (s->ev != NULL)
		event_free(s->ev);
	if (s->fd != -1)
		close(s->fd);
	free(s);
}

void
sockpool_put(struct sockpool *p, struct sockpool_sock *s, bool retire)
{
	struct sockpool_family *f = &p->fam[s->fam];

	s->owner = NULL;
	if ((retire || s->uses >= SOCKPOOL_MAX_USES) &&
	    sockpool_open(p, s) == -1) {
		sockpool_drop(p, s);
		return;
	}
	f->free[f->nfree++] = s;
}

void
sockpool_counts(const struct sockpool *p, unsigned *open, unsigned *busy)
{
	*open = p->fam[0].count + p->fam[1].count;
	*busy = *open - p->fam[0].nfree - p->fam[1].nfree;
}

void
sockpool_free(struct sockpool *p)
{
	unsigned fam, i;

	if (p == NULL)
		return;
	for (fam = 0; fam < 2; fam++) {
		for (i = 0; i < p->fam[fam].count; i++) {
			struct sockpool_sock *s = p->fam[fam].all[i];

			if (s->ev != NULL)
				event_free(s->ev);
			if (s->fd != -1)
				close(s->fd);
			free(s);
		}
	}
	free(p);
}
