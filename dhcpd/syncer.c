/* syncer: the journal's fdatasync off the event loop (see syncer.h). */
#include "syncer.h"

#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lease_store.h"

struct syncer {
	pthread_t thread;
	bool thread_up;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool job;  /* a batch is handed over, not yet run */
	bool busy; /* handed over, `done` not yet called */
	bool quit;
	int efd;
	struct event *ev;
	struct lease_store *st;
	syncer_done_fn done;
	void *arg;
};

static void *
syncer_main(void *arg)
{
	struct syncer *sy = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&sy->mu);
	for (;;) {
		while (!sy->job && !sy->quit)
			pthread_cond_wait(&sy->cv, &sy->mu);
		if (sy->quit)
			break;
		pthread_mutex_unlock(&sy->mu);
		lease_store_commit_run(sy->st);
		pthread_mutex_lock(&sy->mu);
		sy->job = false;
		pthread_cond_broadcast(&sy->cv);
		while (write(sy->efd, &one, sizeof(one)) == -1 &&
		       errno == EINTR)
			;
	}
	pthread_mutex_unlock(&sy->mu);
	return NULL;
}

/* The loop side of a finished batch. */
static void
syncer_finish(struct syncer *sy)
{
	uint64_t n;

	while (read(sy->efd, &n, sizeof(n)) == -1 && errno == EINTR)
		;
	if (!sy->busy)
		return;
	sy->busy = false;
	sy->done(sy->arg);
}

static void
syncer_event(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	syncer_finish(arg);
}

struct syncer *
syncer_new(struct event_base *base, struct lease_store *st, syncer_done_fn done,
	   void *arg)
{
	struct syncer *sy = calloc(1, sizeof(*sy));

	if (sy == NULL)
		return NULL;
	sy->st = st;
	sy->done = done;
	sy->arg = arg;
	pthread_mutex_init(&sy->mu, NULL);
	pthread_cond_init(&sy->cv, NULL);
	sy->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (sy->efd != -1)
		sy->ev = event_new(base, sy->efd, EV_READ | EV_PERSIST,
				   syncer_event, sy);
	if (sy->ev == NULL || event_add(sy->ev, NULL) == -1 ||
	    pthread_create(&sy->thread, NULL, syncer_main, sy) != 0) {
		syncer_free(sy);
		return NULL;
	}
	sy->thread_up = true;
	return sy;
}

void
syncer_start(struct syncer *sy)
{
	pthread_mutex_lock(&sy->mu);
	sy->job = true;
	sy->busy = true;
	pthread_cond_broadcast(&sy->cv);
	pthread_mutex_unlock(&sy->mu);
}

bool
syncer_busy(const struct syncer *sy)
{
	return sy->busy;
}

void
syncer_wait(struct syncer *sy)
{
	if (!sy->busy)
		return;
	pthread_mutex_lock(&sy->mu);
	while (sy->job)
		pthread_cond_wait(&sy->cv, &sy->mu);
	pthread_mutex_unlock(&sy->mu);
	syncer_finish(sy);
}

void
syncer_free(struct syncer *sy)
{
	if (sy == NULL)
		return;
	if (sy->thread_up) {
		pthread_mutex_lock(&sy->mu);
		sy->quit = true;
		pthread_cond_broadcast(&sy->cv);
		pthread_mutex_unlock(&sy->mu);
		pthread_join(sy->thread, NULL);
	}
	if (sy->ev != NULL)
		event_free(sy->ev);
	if (sy->efd != -1)
		close(sy->efd);
	pthread_mutex_destroy(&sy->mu);
	pthread_cond_destroy(&sy->cv);
	free(sy);
}
