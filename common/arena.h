/*
 * arena: a bump allocator whose memory is freed all at once.
 *
 * A loaded configuration lives in one arena, so replacing it on SIGHUP is
 * one arena_free() and no error path can leak part of it.
 */
#ifndef LABGATE_ARENA_H
#define LABGATE_ARENA_H

#include <stddef.h>

#define ARENA_CHUNK_SIZE 4096 /* bytes per chunk, unless one object is larger */
#define ARENA_MAX_ALLOC  (64u * 1024 * 1024) /* one allocation, at most */

struct config_arena;

struct config_arena *arena_new(void);
void arena_free(struct config_arena *a);
/* Zeroed memory aligned for any type; NULL when out of memory or too big. */
void *arena_alloc(struct config_arena *a, size_t size);
/* arena_alloc(n * size) with overflow checked. */
void *arena_calloc(struct config_arena *a, size_t n, size_t size);
char *arena_strdup(struct config_arena *a, const char *s);
/* Copies exactly len bytes (unlike strndup(3), not stopping at a NUL). */
char *arena_strndup(struct config_arena *a, const char *s, size_t len);
/* Copies len bytes into the arena. */
void *arena_memdup(struct config_arena *a, const void *p, size_t len);

#endif
