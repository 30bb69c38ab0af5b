#include "clock.h"

static struct {
	uint64_t mono_ms;
	time_t wall;
} clock_cache;

static uint64_t
clock_read_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
clock_refresh(void)
{
	clock_cache.mono_ms = clock_read_mono_ms();
	clock_cache.wall = time(NULL);
}

uint64_t
clock_mono_ms(void)
{
	if (clock_cache.mono_ms == 0)
		clock_refresh();
	return clock_cache.mono_ms;
}

time_t
clock_mono_s(void)
{
	return (time_t)(clock_mono_ms() / 1000);
}

time_t
clock_wall(void)
{
	if (clock_cache.wall == 0)
		clock_refresh();
	return clock_cache.wall;
}

uint64_t
clock_mono_ms_now(void)
{
	return clock_read_mono_ms();
}
