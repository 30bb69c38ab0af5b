#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
	struct arena_chunk *next;
	size_t size; /* usable bytes in data */
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

struct config_arena {
	struct arena_chunk *chunks; /* newest first */
};

struct config_arena *
arena_new(void)
{
	return calloc(1, sizeof(struct config_arena));
}

void
arena_free(struct config_arena *a)
{
	struct arena_chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

static struct arena_chunk *
arena_grow(struct config_arena *a, size_t need)
{
	struct arena_chunk *c;
	size_t size = need > ARENA_CHUNK_SIZE ? need : ARENA_CHUNK_SIZE;

	c = malloc(sizeof(*c) + size);
	if (c == NULL)
		return NULL;
	c->size = size;
	c->used = 0;
	c->next = a->chunks;
	a->chunks = c;
	return c;
}

void *
arena_alloc(struct config_arena *a, size_t size)
{
	const size_t align = alignof(max_align_t);
	struct arena_chunk *c = a->chunks;
	size_t start;
	void *p;

	if (size == 0)
		size = 1;
	if (size > ARENA_MAX_ALLOC)
		return NULL;
	size = (size + align - 1) & ~(align - 1);
	start = c != NULL ? c->used : 0;
	if (c == NULL || c->size - start < size) {
		c = arena_grow(a, size);
		if (c == NULL)
			return NULL;
		start = 0;
	}
	p = c->data + start;
	c->used = start + size;
	memset(p, 0, size);
	return p;
}

void *
arena_calloc(struct config_arena *a, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	return arena_alloc(a, n * size);
}

void *
arena_memdup(struct config_arena *a, const void *p, size_t len)
{
	void *q = arena_alloc(a, len);

	if (q != NULL && len > 0)
		memcpy(q, p, len);
	return q;
}

char *
arena_strndup(struct config_arena *a, const char *s, size_t len)
{
	char *q;

	if (len == SIZE_MAX)
		return NULL;
	q = arena_alloc(a, len + 1);
	if (q == NULL)
		return NULL;
	memcpy(q, s, len);
	q[len] = '\0';
	return q;
}

char *
arena_strdup(struct config_arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}
