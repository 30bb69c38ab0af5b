/*
 * libFuzzer target for the configuration loader: all three passes
 * (libyaml walk, libcyaml load, semantic checks) on arbitrary bytes.
 * Anything may be rejected; nothing may crash, hang or leak.
 */
#include <stddef.h>
#include <stdint.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors errs;
	struct config *cfg;

	if (size > CONFIG_MAX_FILE_SIZE)
		return 0;
	cfg = config_load_buffer("fuzz.yaml", (const char *)data, size, &errs);
	config_free(cfg);
	return 0;
}
