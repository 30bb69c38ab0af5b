/*
 * http_floor: the least an epoll HTTP/1.1 keep-alive server must do per
 * request, for tests/bench/http.sh case (a): one edge-triggered
 * epoll_wait batch, one recv, one send of a fixed answer the size of
 * httpd's (headers and body read from FILE at start), and nothing else:
 * no parsing beyond finding each head's end, no routing, no timers, no
 * event library.  It is not a server; its CPU per request is a floor for
 * any server on this machine, to read the ratios against.
 *
 * usage: http_floor PORT FILE   (binds 127.0.0.1 only)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define FLOOR_MAX_FD     65536
#define FLOOR_MAX_EVENTS 256
#define FLOOR_BODY_MAX   4096

static unsigned char head_state[FLOOR_MAX_FD]; /* bytes of "\r\n\r\n" seen */

static size_t
floor_answer(const char *file, char *out, size_t cap)
{
	char body[FLOOR_BODY_MAX];
	FILE *f = fopen(file, "rb");
	size_t n;
	int h;

	if (f == NULL)
		return 0;
	n = fread(body, 1, sizeof(body), f);
	fclose(f);
	h = snprintf(out, cap,
		     "HTTP/1.1 200 OK\r\nServer: labgate\r\n"
		     "Date: Wed, 25 Nov 2026 06:00:00 GMT\r\n"
		     "Content-Type: text/html; charset=utf-8\r\n"
		     "Content-Length: %zu\r\n"
		     "Last-Modified: Wed, 25 Nov 2026 05:00:00 GMT\r\n"
		     "ETag: \"6925a0c0-%zx\"\r\nAccept-Ranges: bytes\r\n\r\n",
		     n, n);
	if (h < 0 || (size_t)h + n > cap)
		return 0;
	memcpy(out + h, body, n);
	return (size_t)h + n;
}

/* Heads that end in buf[0..n), "\r\n\r\n" tracked across reads. */
static int
floor_heads(int fd, const char *buf, ssize_t n)
{
	static const char end[] = "\r\n\r\n";
	unsigned char st = head_state[fd];
	int heads = 0;

	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == end[st])
			st++;
		else
			st = buf[i] == '\r' ? 1 : 0;
		if (st == 4) {
			heads++;
			st = 0;
		}
	}
	head_state[fd] = st;
	return heads;
}

int
main(int argc, char **argv)
{
	static char answer[FLOOR_BODY_MAX + 512], buf[16384];
	struct epoll_event ev = {.events = EPOLLIN}, evs[FLOOR_MAX_EVENTS];
	struct sockaddr_in a = {.sin_family = AF_INET};
	size_t alen;
	int ls, ep, one = 1;

	if (argc != 3 ||
	    (alen = floor_answer(argv[2], answer, sizeof(answer))) == 0) {
		fprintf(stderr, "usage: http_floor PORT FILE\n");
		return 2;
	}
	a.sin_port = htons((uint16_t)atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls == -1 || bind(ls, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(ls, 1024) == -1 || (ep = epoll_create1(0)) == -1) {
		perror("http_floor");
		return 1;
	}
	ev.data.fd = ls;
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, FLOOR_MAX_EVENTS, -1);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd, c;
			ssize_t r;

			if (fd == ls) {
				while ((c = accept4(ls, NULL, NULL,
						    SOCK_NONBLOCK)) != -1) {
					struct epoll_event ce = {
						.events = EPOLLIN | EPOLLET,
						.data.fd = c};

					if (c >= FLOOR_MAX_FD) {
						close(c);
						continue;
					}
					head_state[c] = 0;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
				}
				continue;
			}
			r = recv(fd, buf, sizeof(buf), 0);
			if (r == 0 || (r == -1 && errno != EAGAIN)) {
				close(fd);
				continue;
			}
			for (int k = floor_heads(fd, buf, r); k > 0; k--)
				send(fd, answer, alen, MSG_NOSIGNAL);
		}
	}
}
