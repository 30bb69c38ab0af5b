/*
 * fuzz_file: the fuzzer's input as a file, for readers that take a path
 * (a hosts file, a lease journal): a memfd holding the bytes, named by
 * its /proc/self/fd path.
 */
#ifndef LABGATE_FUZZ_FILE_H
#define LABGATE_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* Returns the memfd (close it when done) with its path in path, or -1. */
static inline int
fuzz_file(const char *name, const uint8_t *data, size_t size, char *path,
	  size_t pathlen)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd == -1)
		return -1;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

#endif
