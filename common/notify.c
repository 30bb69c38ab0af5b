#include "autoconf.h"

#include "notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

int
notify_send_to(const char *socket_path, const char *state)
{
	struct sockaddr_un sun;
	size_t path_len = strlen(socket_path);
	socklen_t len;
	ssize_t n;
	int fd, saved;

	/* A path needs its NUL inside sun_path; an abstract name does not. */
	if (path_len == 0 ||
	    path_len + (socket_path[0] == '/' ? 1 : 0) > sizeof(sun.sun_path) ||
	    (socket_path[0] != '/' && socket_path[0] != '@')) {
		errno = EINVAL;
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, socket_path, path_len);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0'; /* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_len +
			  (socket_path[0] == '/' ? 1 : 0));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (const struct sockaddr *)&sun, len);
	saved = errno;
	close(fd);
	errno = saved;
	return n == -1 ? -1 : 1;
}

int
notify_send(const char *state)
{
#ifdef HAVE_LIBSYSTEMD
	int r = sd_notify(0, state);

	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r > 0 ? 1 : 0;
#else
	const char *path = getenv("NOTIFY_SOCKET");

	if (path == NULL || path[0] == '\0')
		return 0;
	return notify_send_to(path, state);
#endif
}
