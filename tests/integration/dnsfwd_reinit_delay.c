/*
 * dnsfwd_reinit_delay: an LD_PRELOAD shim for dnsfwd_worker_signals.sh.
 * It delays event_reinit() by $LG_REINIT_DELAY_MS milliseconds, so that a
 * test can signal a new dnsfwd worker between its fork and the moment it
 * has an event loop of its own.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

struct event_base;

int event_reinit(struct event_base *base);

int
event_reinit(struct event_base *base)
{
	const char *env = getenv("LG_REINIT_DELAY_MS");
	long ms = env != NULL ? strtol(env, NULL, 10) : 0;
	struct timespec left = {ms / 1000, (ms % 1000) * 1000000};
	int (*real)(struct event_base *);

	while (ms > 0 && nanosleep(&left, &left) == -1 && errno == EINTR)
		;
	*(void **)&real = dlsym(RTLD_NEXT, "event_reinit");
	return real != NULL ? real(base) : -1;
}
