#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "config_check.h"
#include "config_schema.h"
#include "config_walk.h"

static const char *const section_names[] = {
	[CONFIG_SECTION_DHCP] = "dhcp",
	[CONFIG_SECTION_DNS] = "dns",
	[CONFIG_SECTION_HTTP] = "http",
};

const char *
config_section_name(enum config_section s)
{
	return section_names[s];
}

bool
config_has_section(const struct config *cfg, enum config_section s)
{
	switch (s) {
	case CONFIG_SECTION_DHCP:
		return cfg->dhcp != NULL;
	case CONFIG_SECTION_DNS:
		return cfg->dns != NULL;
	case CONFIG_SECTION_HTTP:
		return cfg->http != NULL;
	}
	return false;
}

/* Pass 2: libcyaml loads what pass 1 accepted.  Its log stays off: every
 * message the user sees comes from pass 1 or pass 3. */
static struct raw_config *
config_cyaml_load(const char *data, size_t len, struct config_errors *errs)
{
	const cyaml_config_t cyaml = {
		.log_fn = NULL,
		.mem_fn = cyaml_mem,
		.log_level = CYAML_LOG_ERROR,
		.flags = CYAML_CFG_NO_ALIAS,
	};
	struct raw_config *raw = NULL;
	cyaml_err_t err;

	err = cyaml_load_data((const uint8_t *)data, len, &cyaml,
			      &config_schema_top, (cyaml_data_t **)&raw, NULL);
	if (err != CYAML_OK) {
		config_errors_add(errs, 0, 0, "cannot load: %s",
				  cyaml_strerror(err));
		return NULL;
	}
	return raw;
}

static void
config_cyaml_free(struct raw_config *raw)
{
	const cyaml_config_t cyaml = {
		.mem_fn = cyaml_mem,
		.log_level = CYAML_LOG_ERROR,
	};

	cyaml_free(&cyaml, &config_schema_top, raw, 0);
}

struct config *
config_load_buffer(const char *name, const char *data, size_t len,
		   struct config_errors *errs)
{
	struct config_marks *marks;
	struct raw_config *raw;
	struct config *cfg;
	struct config_arena *arena;

	memset(errs, 0, sizeof(*errs));
	arena = arena_new();
	cfg = arena != NULL ? arena_alloc(arena, sizeof(*cfg)) : NULL;
	if (cfg == NULL) {
		arena_free(arena);
		config_errors_add(errs, 0, 0, "out of memory");
		return NULL;
	}
	cfg->arena = arena;
	cfg->path = arena_strdup(arena, name);
	if (config_walk(data, len, &config_schema_top, arena, &marks, errs) ==
	    -1)
		goto fail;
	raw = config_cyaml_load(data, len, errs);
	if (raw == NULL)
		goto fail;
	if (config_check(cfg, raw, marks, errs) == -1) {
		config_cyaml_free(raw);
		goto fail;
	}
	config_cyaml_free(raw);
	return cfg;
fail:
	arena_free(arena);
	return NULL;
}

/* Reads a whole regular file of at most CONFIG_MAX_FILE_SIZE bytes. */
static char *
config_read_file(const char *path, size_t *len, struct config_errors *errs)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		config_errors_add(errs, 0, 0, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		config_errors_add(errs, 0, 0, "not a regular file");
		goto fail;
	}
	if (st.st_size > CONFIG_MAX_FILE_SIZE) {
		config_errors_add(errs, 0, 0, "larger than %d bytes",
				  CONFIG_MAX_FILE_SIZE);
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		config_errors_add(errs, 0, 0, "out of memory");
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			config_errors_add(errs, 0, 0, "read: %s",
					  n == 0 ? "file shrank"
						 : strerror(errno));
			goto fail;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*len = got;
	close(fd);
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

struct config *
config_load(const char *path, struct config_errors *errs)
{
	struct config *cfg;
	size_t len;
	char *data;

	memset(errs, 0, sizeof(*errs));
	data = config_read_file(path, &len, errs);
	if (data == NULL)
		return NULL;
	cfg = config_load_buffer(path, data, len, errs);
	free(data);
	return cfg;
}

void
config_free(struct config *cfg)
{
	if (cfg != NULL)
		arena_free(cfg->arena);
}

void
config_errors_print(const char *name, const struct config_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->count; i++) {
		const struct config_error *e = &errs->list[i];

		if (e->line > 0)
			fprintf(stderr, "%s:%u:%u: %s\n", name, e->line,
				e->column, e->message);
		else
			fprintf(stderr, "%s: %s\n", name, e->message);
	}
	if (errs->dropped > 0)
		fprintf(stderr, "%s: %zu more errors not shown\n", name,
			errs->dropped);
}
