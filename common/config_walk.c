#include "config_walk.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "arena.h"
#include "num.h"

struct config_mark {
	const char *path;
	unsigned line;
	unsigned col;
};

struct config_marks {
	struct config_mark *list;
	size_t count;
	size_t capacity;
	struct config_arena *arena;
};

struct walk {
	yaml_document_t *doc;
	struct config_marks *marks;
	struct config_errors *errs;
	unsigned char *seen; /* per node: visited once (aliases) */
	size_t node_count;
};

void
config_errors_add(struct config_errors *errs, unsigned line, unsigned col,
		  const char *fmt, ...)
{
	struct config_error *e;
	va_list ap;

	if (config_errors_full(errs)) {
		errs->dropped++;
		return;
	}
	e = &errs->list[errs->count++];
	e->line = line;
	e->column = col;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

bool
config_errors_full(const struct config_errors *errs)
{
	return errs->count >= CONFIG_MAX_ERRORS;
}

static void
marks_add(struct config_marks *m, const char *path, const yaml_mark_t *mark)
{
	struct config_mark *grown;

	if (m->count == m->capacity) {
		size_t cap = m->capacity ? m->capacity * 2 : 64;

		grown = arena_calloc(m->arena, cap, sizeof(*grown));
		if (grown == NULL)
			return; /* positions are a courtesy; loading goes on */
		if (m->count > 0)
			memcpy(grown, m->list, m->count * sizeof(*grown));
		m->list = grown;
		m->capacity = cap;
	}
	m->list[m->count].path = arena_strdup(m->arena, path);
	if (m->list[m->count].path == NULL)
		return;
	m->list[m->count].line = (unsigned)mark->line + 1;
	m->list[m->count].col = (unsigned)mark->column + 1;
	m->count++;
}

bool
config_marks_find(const struct config_marks *marks, const char *path,
		  unsigned *line, unsigned *col)
{
	char buf[CONFIG_MAX_PATH];
	size_t i, len;

	if (marks == NULL || strlen(path) >= sizeof(buf))
		return false;
	strcpy(buf, path);
	for (;;) {
		/* Few lookups happen (errors only), so a scan is enough. */
		for (i = 0; i < marks->count; i++) {
			if (strcmp(marks->list[i].path, buf) == 0) {
				*line = marks->list[i].line;
				*col = marks->list[i].col;
				return true;
			}
		}
		len = strlen(buf);
		while (len > 0 && buf[len - 1] != '.' && buf[len - 1] != '[')
			len--;
		if (len == 0)
			return false;
		buf[len - 1] = '\0';
	}
}

static void walk_error(struct walk *w, const yaml_node_t *node, const char *fmt,
		       ...) __attribute__((format(printf, 3, 4)));

static void
walk_error(struct walk *w, const yaml_node_t *node, const char *fmt, ...)
{
	char msg[CONFIG_MAX_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	config_errors_add(w->errs, (unsigned)node->start_mark.line + 1,
			  (unsigned)node->start_mark.column + 1, "%s", msg);
}

static const char *
walk_scalar(const yaml_node_t *node)
{
	return (const char *)node->data.scalar.value;
}

static bool
walk_is_null(const yaml_node_t *node)
{
	const char *s = walk_scalar(node);

	if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static const char *
walk_kind_name(const cyaml_schema_value_t *schema)
{
	switch (schema->type) {
	case CYAML_MAPPING:
		return "a mapping";
	case CYAML_SEQUENCE:
	case CYAML_SEQUENCE_FIXED:
		return "a list";
	case CYAML_INT:
	case CYAML_UINT:
		return "a whole number";
	case CYAML_BOOL:
		return "true or false";
	default:
		return "a value";
	}
}

static int walk_value(struct walk *w, const yaml_node_t *node,
		      const yaml_node_t *where,
		      const cyaml_schema_value_t *schema, const char *path);

/* Integer limits for a field of `size` bytes. */
static void
walk_int_range(const cyaml_schema_value_t *s, long long *min, long long *max)
{
	unsigned bits = s->data_size * 8;

	if (s->type == CYAML_UINT) {
		*min = 0;
		*max = bits >= 63 ? LLONG_MAX : (1LL << bits) - 1;
	} else {
		*min = bits >= 64 ? LLONG_MIN : -(1LL << (bits - 1));
		*max = bits >= 64 ? LLONG_MAX : (1LL << (bits - 1)) - 1;
	}
}

static int
walk_enum(struct walk *w, const yaml_node_t *node,
	  const cyaml_schema_value_t *schema, const char *path)
{
	char names[CONFIG_MAX_ERRLEN / 2] = "";
	const char *s = walk_scalar(node);
	size_t used = 0;
	uint32_t i;

	for (i = 0; i < schema->enumeration.count; i++) {
		if (strcmp(s, schema->enumeration.strings[i].str) == 0)
			return 0;
	}
	for (i = 0; i < schema->enumeration.count && used < sizeof(names);
	     i++) {
		int n = snprintf(names + used, sizeof(names) - used, "%s%s",
				 i ? ", " : "",
				 schema->enumeration.strings[i].str);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	walk_error(w, node, "%s: '%s' is not one of: %s", path, s, names);
	return -1;
}

static int
walk_scalar_value(struct walk *w, const yaml_node_t *node,
		  const cyaml_schema_value_t *schema, const char *path)
{
	const char *s = walk_scalar(node), *errstr;
	size_t len = node->data.scalar.length;
	long long min, max, v;

	if (strlen(s) != len) {
		walk_error(w, node, "%s: value contains a NUL byte", path);
		return -1;
	}
	if (walk_is_null(node)) {
		walk_error(w, node, "%s: needs %s", path,
			   walk_kind_name(schema));
		return -1;
	}
	switch (schema->type) {
	case CYAML_INT:
	case CYAML_UINT:
		walk_int_range(schema, &min, &max);
		if (num_parse_n(s, len, min, max, &v, &errstr) == -1) {
			walk_error(w, node,
				   "%s: '%s' is %s (a plain decimal "
				   "number between %lld and %lld)",
				   path, s,
				   strcmp(errstr, "invalid") == 0 ? "not valid"
								  : errstr,
				   min, max);
			return -1;
		}
		return 0;
	case CYAML_BOOL:
		if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0) {
			walk_error(w, node, "%s: '%s' is not true or false",
				   path, s);
			return -1;
		}
		return 0;
	case CYAML_ENUM:
		return walk_enum(w, node, schema, path);
	case CYAML_STRING:
		if (len < schema->string.min || len > schema->string.max) {
			walk_error(w, node,
				   "%s: value must be %u to %u bytes "
				   "long",
				   path, schema->string.min,
				   schema->string.max);
			return -1;
		}
		return 0;
	default:
		walk_error(w, node, "%s: unsupported type in schema", path);
		return -1;
	}
}

static const cyaml_schema_field_t *
walk_find_field(const cyaml_schema_field_t *fields, const char *key)
{
	for (; fields->key != NULL; fields++) {
		if (strcmp(fields->key, key) == 0)
			return fields;
	}
	return NULL;
}

static void
walk_child_path(char *out, size_t size, const char *path, const char *key)
{
	if (snprintf(out, size, "%s%s%s", path, path[0] ? "." : "", key) >=
	    (int)size)
		out[size - 1] = '\0';
}

/* Checks one key: known, not repeated; then its value. */
static int
walk_pair(struct walk *w, const yaml_node_t *map, const yaml_node_pair_t *pair,
	  const cyaml_schema_value_t *schema, const char *path)
{
	const yaml_node_t *key = yaml_document_get_node(w->doc, pair->key);
	const yaml_node_t *value = yaml_document_get_node(w->doc, pair->value);
	const cyaml_schema_field_t *field;
	const yaml_node_pair_t *p;
	char child[CONFIG_MAX_PATH];

	if (key == NULL || value == NULL)
		return -1;
	if (key->type != YAML_SCALAR_NODE) {
		walk_error(w, key, "%s: keys must be plain names",
			   path[0] ? path : "top level");
		return -1;
	}
	field = walk_find_field(schema->mapping.fields, walk_scalar(key));
	if (field == NULL) {
		if (path[0])
			walk_error(w, key, "unknown key '%s' in %s",
				   walk_scalar(key), path);
		else
			walk_error(w, key, "unknown key '%s'",
				   walk_scalar(key));
		return -1;
	}
	for (p = map->data.mapping.pairs.start; p < pair; p++) {
		const yaml_node_t *k = yaml_document_get_node(w->doc, p->key);

		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp(walk_scalar(k), field->key) == 0) {
			walk_error(w, key, "duplicate key '%s'", field->key);
			return -1;
		}
	}
	walk_child_path(child, sizeof(child), path, field->key);
	return walk_value(w, value, key, &field->value, child);
}

static int
walk_mapping(struct walk *w, const yaml_node_t *node,
	     const cyaml_schema_value_t *schema, const char *path)
{
	const cyaml_schema_field_t *f;
	const yaml_node_pair_t *pair;
	int rc = 0;

	for (pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		if (walk_pair(w, node, pair, schema, path) == -1)
			rc = -1;
	}
	for (f = schema->mapping.fields; f->key != NULL; f++) {
		int found = 0;

		if (f->value.flags & CYAML_FLAG_OPTIONAL)
			continue;
		for (pair = node->data.mapping.pairs.start;
		     pair < node->data.mapping.pairs.top && !found; pair++) {
			const yaml_node_t *k =
				yaml_document_get_node(w->doc, pair->key);
			found = k != NULL && k->type == YAML_SCALAR_NODE &&
				strcmp(walk_scalar(k), f->key) == 0;
		}
		if (!found) {
			walk_error(w, node, "missing key '%s' in %s", f->key,
				   path[0] ? path : "top level");
			rc = -1;
		}
	}
	return rc;
}

static int
walk_sequence(struct walk *w, const yaml_node_t *node,
	      const cyaml_schema_value_t *schema, const char *path)
{
	const yaml_node_item_t *item;
	char child[CONFIG_MAX_PATH];
	size_t count = (size_t)(node->data.sequence.items.top -
				node->data.sequence.items.start);
	int rc = 0;

	if (count < schema->sequence.min || count > schema->sequence.max) {
		walk_error(w, node, "%s: needs %u to %u entries, has %zu", path,
			   schema->sequence.min, schema->sequence.max, count);
		return -1;
	}
	for (item = node->data.sequence.items.start;
	     item < node->data.sequence.items.top; item++) {
		const yaml_node_t *entry =
			yaml_document_get_node(w->doc, *item);

		if (entry == NULL)
			return -1;
		snprintf(child, sizeof(child), "%s[%zu]", path,
			 (size_t)(item - node->data.sequence.items.start));
		if (walk_value(w, entry, node, schema->sequence.entry, child) ==
		    -1)
			rc = -1;
		if (config_errors_full(w->errs))
			break;
	}
	return rc;
}

/* `where` is the key or list that leads to node: an alias is reported
 * there, since libyaml keeps no position for the alias itself. */
static int
walk_value(struct walk *w, const yaml_node_t *node, const yaml_node_t *where,
	   const cyaml_schema_value_t *schema, const char *path)
{
	size_t index = (size_t)(node - w->doc->nodes.start);

	/* An alias makes two paths share one node: refuse, so nothing is
	 * expanded twice (and no "billion laughs" file can blow up). */
	if (index < w->node_count) {
		if (w->seen[index]) {
			walk_error(w, where, "%s: aliases are not supported",
				   path);
			return -1;
		}
		w->seen[index] = 1;
	}
	marks_add(w->marks, path, &node->start_mark);
	switch (schema->type) {
	case CYAML_MAPPING:
		if (node->type != YAML_MAPPING_NODE)
			break;
		return walk_mapping(w, node, schema, path);
	case CYAML_SEQUENCE:
		if (node->type != YAML_SEQUENCE_NODE)
			break;
		return walk_sequence(w, node, schema, path);
	default:
		if (node->type != YAML_SCALAR_NODE)
			break;
		return walk_scalar_value(w, node, schema, path);
	}
	walk_error(w, node, "%s must be %s", path[0] ? path : "the file",
		   walk_kind_name(schema));
	return -1;
}

static void
walk_syntax_error(const yaml_parser_t *parser, struct config_errors *errs)
{
	const yaml_mark_t *m = &parser->problem_mark;

	if (parser->error == YAML_MEMORY_ERROR) {
		config_errors_add(errs, 0, 0, "out of memory");
		return;
	}
	if (parser->context != NULL)
		config_errors_add(errs, (unsigned)m->line + 1,
				  (unsigned)m->column + 1,
				  "YAML syntax error: %s %s (line %u)",
				  parser->problem ? parser->problem : "error",
				  parser->context,
				  (unsigned)parser->context_mark.line + 1);
	else
		config_errors_add(errs, (unsigned)m->line + 1,
				  (unsigned)m->column + 1,
				  "YAML syntax error: %s",
				  parser->problem ? parser->problem : "error");
}

static int
walk_document(struct walk *w, const cyaml_schema_value_t *top)
{
	const yaml_node_t *root = yaml_document_get_root_node(w->doc);

	if (root == NULL) {
		config_errors_add(w->errs, 0, 0, "empty configuration");
		return -1;
	}
	w->node_count = (size_t)(w->doc->nodes.top - w->doc->nodes.start);
	if (w->node_count > CONFIG_MAX_NODES) {
		config_errors_add(w->errs, 0, 0, "more than %d YAML nodes",
				  CONFIG_MAX_NODES);
		return -1;
	}
	w->seen = arena_calloc(w->marks->arena, w->node_count, 1);
	if (w->seen == NULL) {
		config_errors_add(w->errs, 0, 0, "out of memory");
		return -1;
	}
	return walk_value(w, root, root, top, "");
}

int
config_walk(const char *data, size_t len, const cyaml_schema_value_t *top,
	    struct config_arena *arena, struct config_marks **marks,
	    struct config_errors *errs)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	struct walk w = {.errs = errs, .doc = &doc};
	int rc = -1;

	*marks = w.marks = arena_alloc(arena, sizeof(*w.marks));
	if (w.marks == NULL) {
		config_errors_add(errs, 0, 0, "out of memory");
		return -1;
	}
	w.marks->arena = arena;
	if (!yaml_parser_initialize(&parser)) {
		config_errors_add(errs, 0, 0, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &doc)) {
		walk_syntax_error(&parser, errs);
		yaml_parser_delete(&parser);
		return -1;
	}
	rc = walk_document(&w, top);
	/* A second document would be ignored by libcyaml: refuse it. */
	if (rc == 0 && yaml_parser_load(&parser, &extra)) {
		if (yaml_document_get_root_node(&extra) != NULL) {
			config_errors_add(errs,
					  (unsigned)extra.start_mark.line + 1,
					  (unsigned)extra.start_mark.column + 1,
					  "only one YAML document is allowed");
			rc = -1;
		}
		yaml_document_delete(&extra);
	} else if (rc == 0) {
		walk_syntax_error(&parser, errs);
		rc = -1;
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}
