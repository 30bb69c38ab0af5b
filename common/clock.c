#include "clock.h"

struct clock_cache clock_cache;

static uint64_t
clock_read_mono_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The coarse clock is the kernel's last tick, read without the TSC: a
 * quarter of the cost of CLOCK_MONOTONIC (4.4 ns against 18.5 measured
 * here), and this runs once per event.  What reads the cache (timeouts
 * and TTLs in seconds, cache validity) does not need better than a tick.
 */
void
clock_refresh(void)
{
	clock_cache.mono_ms = clock_read_mono_ms(CLOCK_MONOTONIC_COARSE);
	clock_cache.wall = time(NULL);
}

uint64_t
clock_mono_ms_now(void)
{
	return clock_read_mono_ms(CLOCK_MONOTONIC);
}
