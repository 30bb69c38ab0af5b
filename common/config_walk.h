/*
 * config_walk: pass 1 of loading lab.yaml (see config.h).
 *
 * Walks the libyaml document against the libcyaml schema tables and
 * reports, each at its own position: YAML syntax errors, unknown,
 * duplicate and missing keys, a node of the wrong kind, list lengths,
 * aliases, and scalars that are not strictly of their type.  It records
 * the position of every value by its dotted path ("dhcp.subnets[0].pools[1]")
 * so later passes can report semantic errors in place.
 */
#ifndef LABGATE_CONFIG_WALK_H
#define LABGATE_CONFIG_WALK_H

#include <cyaml/cyaml.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define CONFIG_MAX_PATH  256    /* bytes in a dotted path */
#define CONFIG_MAX_NODES 200000 /* nodes in one document */

struct config_marks;

/*
 * Checks data[0..len) against `top`.  Returns 0 when clean, -1 when any
 * error was added to errs.  *marks (allocated in arena) is set either way.
 */
int config_walk(const char *data, size_t len, const cyaml_schema_value_t *top,
		struct config_arena *arena, struct config_marks **marks,
		struct config_errors *errs);

/*
 * Finds the position of `path`, or of its nearest recorded parent (a key
 * left out is reported at its mapping).  Returns false when none is known.
 */
bool config_marks_find(const struct config_marks *marks, const char *path,
		       unsigned *line, unsigned *col);

/* Adds one error (line 0: not tied to a place in the file). */
void config_errors_add(struct config_errors *errs, unsigned line, unsigned col,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool config_errors_full(const struct config_errors *errs);

#endif
