/*
 * arena: alignment, zeroing and independence of many allocations, the
 * size limits and overflow checks, and the dup helpers.  Run under the
 * sanitizer build, every write here also proves the block is in bounds.
 */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"

static int
arena_setup(void **state)
{
	*state = arena_new();
	return *state == NULL ? -1 : 0;
}

static int
arena_teardown(void **state)
{
	arena_free(*state);
	return 0;
}

static bool
aligned(const void *p)
{
	return (uintptr_t)p % alignof(max_align_t) == 0;
}

static bool
all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++) {
		if (b[i] != 0)
			return false;
	}
	return true;
}

#define SMALL_COUNT 2000

/* Sizes 1..37 spread over many chunks; each block keeps its own bytes. */
static void
test_many_small_aligned_zeroed_distinct(void **state)
{
	struct config_arena *a = *state;
	unsigned char *blocks[SMALL_COUNT];
	size_t i;

	for (i = 0; i < SMALL_COUNT; i++) {
		size_t size = i % 37 + 1;

		blocks[i] = arena_alloc(a, size);
		assert_non_null(blocks[i]);
		assert_true(aligned(blocks[i]));
		assert_true(all_zero(blocks[i], size));
		memset(blocks[i], (int)(i & 0xff), size);
	}
	for (i = 0; i < SMALL_COUNT; i++) {
		size_t size = i % 37 + 1, j;

		for (j = 0; j < size; j++)
			assert_int_equal(blocks[i][j], i & 0xff);
	}
}

static void
test_zero_size_distinct(void **state)
{
	struct config_arena *a = *state;
	void *p = arena_alloc(a, 0), *q = arena_alloc(a, 0);

	assert_non_null(p);
	assert_non_null(q);
	assert_ptr_not_equal(p, q);
	assert_true(aligned(p) && aligned(q));
}

/* Larger than a chunk: usable to its last byte, and small ones still work. */
static void
test_larger_than_chunk(void **state)
{
	static const size_t sizes[] = {
		ARENA_CHUNK_SIZE - 1, ARENA_CHUNK_SIZE,
		ARENA_CHUNK_SIZE + 1, 3 * ARENA_CHUNK_SIZE + 7,
		1024 * 1024,
	};
	struct config_arena *a = *state;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *small = arena_alloc(a, 24);
		unsigned char *big = arena_alloc(a, sizes[i]);
		unsigned char *after = arena_alloc(a, 24);

		assert_non_null(small);
		assert_non_null(big);
		assert_non_null(after);
		assert_true(aligned(big) && aligned(after));
		assert_true(all_zero(big, sizes[i]));
		memset(big, 0xab, sizes[i]);
		assert_true(all_zero(small, 24));
		assert_true(all_zero(after, 24));
		memset(small, 1, 24);
		memset(after, 2, 24);
		assert_int_equal(big[0], 0xab);
		assert_int_equal(big[sizes[i] - 1], 0xab);
	}
}

/* Filling a chunk to the brim, then one more byte, stays in bounds. */
static void
test_chunk_boundary(void **state)
{
	struct config_arena *a = *state;
	size_t align = alignof(max_align_t);
	unsigned char *first = arena_alloc(a, ARENA_CHUNK_SIZE - align);
	unsigned char *fill = arena_alloc(a, align);
	unsigned char *next = arena_alloc(a, 1);

	assert_non_null(first);
	assert_non_null(fill);
	assert_non_null(next);
	memset(first, 1, ARENA_CHUNK_SIZE - align);
	memset(fill, 2, align);
	memset(next, 3, 1);
	assert_int_equal(first[ARENA_CHUNK_SIZE - align - 1], 1);
	assert_int_equal(fill[0], 2);
	assert_int_equal(next[0], 3);
}

static void
test_max_alloc_limit(void **state)
{
	struct config_arena *a = *state;
	unsigned char *p = arena_alloc(a, ARENA_MAX_ALLOC);

	assert_non_null(p);
	p[ARENA_MAX_ALLOC - 1] = 1;
	assert_null(arena_alloc(a, (size_t)ARENA_MAX_ALLOC + 1));
	assert_null(arena_alloc(a, SIZE_MAX));
	assert_null(arena_alloc(a, SIZE_MAX - alignof(max_align_t) + 2));
	assert_non_null(arena_alloc(a, 8)); /* usable after a refusal */
}

static void
test_calloc_zeroed(void **state)
{
	struct config_arena *a = *state;
	uint64_t *v = arena_calloc(a, 100, sizeof(*v));
	size_t i;

	assert_non_null(v);
	assert_true(aligned(v));
	for (i = 0; i < 100; i++)
		assert_true(v[i] == 0);
	v[99] = 1;
	assert_non_null(arena_calloc(a, 0, 16));
	assert_non_null(arena_calloc(a, 16, 0));
}

static void
test_calloc_overflow_null(void **state)
{
	struct config_arena *a = *state;

	assert_null(arena_calloc(a, SIZE_MAX / 2, 3));
	assert_null(arena_calloc(a, 3, SIZE_MAX / 2));
	assert_null(arena_calloc(a, SIZE_MAX, SIZE_MAX));
	assert_null(arena_calloc(a, (SIZE_MAX >> 32) + 2, (size_t)1 << 32));
	/* no overflow, but over the per-allocation limit */
	assert_null(arena_calloc(a, ARENA_MAX_ALLOC / 8 + 1, 8));
}

static void
test_strdup(void **state)
{
	struct config_arena *a = *state;
	static const char text[] = "eth0.42";
	char *s = arena_strdup(a, text), *e = arena_strdup(a, "");

	assert_non_null(s);
	assert_ptr_not_equal(s, text);
	assert_string_equal(s, text);
	assert_non_null(e);
	assert_string_equal(e, "");
	s[0] = 'X';
	assert_string_equal(text, "eth0.42");
}

/* The source need not be NUL-terminated: exactly len bytes are read. */
static void
test_strndup_unterminated(void **state)
{
	struct config_arena *a = *state;
	char *src = malloc(5), *s, *t;

	assert_non_null(src);
	memcpy(src, "abcde", 5);
	s = arena_strndup(a, src, 5);
	t = arena_strndup(a, src, 2);
	free(src);
	assert_non_null(s);
	assert_non_null(t);
	assert_string_equal(s, "abcde");
	assert_string_equal(t, "ab");
	assert_string_equal(arena_strndup(a, "xyz", 0), "");
	assert_null(arena_strndup(a, "xyz", SIZE_MAX));
}

static void
test_memdup(void **state)
{
	struct config_arena *a = *state;
	static const unsigned char bytes[] = {0, 1, 0, 0xff, 0, 7};
	unsigned char *p = arena_memdup(a, bytes, sizeof(bytes));

	assert_non_null(p);
	assert_ptr_not_equal(p, bytes);
	assert_true(aligned(p));
	assert_memory_equal(p, bytes, sizeof(bytes));
	assert_non_null(arena_memdup(a, bytes, 0));
	assert_null(arena_memdup(a, bytes, (size_t)ARENA_MAX_ALLOC + 1));
}

static void
test_free_null_and_empty(void **state)
{
	(void)state;
	arena_free(NULL);
	arena_free(arena_new());
}

#define ARENA_TEST(f) \
	cmocka_unit_test_setup_teardown(f, arena_setup, arena_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		ARENA_TEST(test_many_small_aligned_zeroed_distinct),
		ARENA_TEST(test_zero_size_distinct),
		ARENA_TEST(test_larger_than_chunk),
		ARENA_TEST(test_chunk_boundary),
		ARENA_TEST(test_max_alloc_limit),
		ARENA_TEST(test_calloc_zeroed),
		ARENA_TEST(test_calloc_overflow_null),
		ARENA_TEST(test_strdup),
		ARENA_TEST(test_strndup_unterminated),
		ARENA_TEST(test_memdup),
		cmocka_unit_test(test_free_null_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
