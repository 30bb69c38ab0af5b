/*
 * notify-wait: start a daemon and wait until it says READY=1 over the
 * sd_notify(3) protocol, for the integration tests and `./lab up`.
 *
 *   notify-wait -t SECONDS [-o FILE] SOCKET_PATH -- COMMAND [ARGS...]
 *	Binds an AF_UNIX datagram socket at SOCKET_PATH (removing any old
 *	file there), runs COMMAND with NOTIFY_SOCKET set to it, and prints
 *	each line it receives as "notify: LINE".  On a "READY=1" line it
 *	prints "pid=PID" (the command's process id) and "recorder=PID" and
 *	exits 0, leaving the command running: the caller stops it by PID.
 *	If the command exits first, SECONDS pass, or notify-wait is
 *	interrupted, it says why on stderr, kills the command if it still
 *	runs, and exits 1.
 *
 *	The recorder is the command's parent: it stays behind, keeps the
 *	socket and, with -o, appends each later line to FILE (RELOADING=1,
 *	READY=1, STOPPING=1, ...), then, when the command exits, a last
 *	line "EXIT_STATUS=N" or "EXIT_SIGNAL=N".  It ignores SIGINT and
 *	SIGTERM after READY=1 and exits once the command has exited.
 *
 *   notify-wait -t SECONDS -l [-u WORD] SOCKET_PATH
 *	Listen only: prints received lines until SECONDS pass (exit 0, or
 *	1 with -u) or until a line equal to WORD arrives (exit 0).
 *
 * The socket is made writable by everyone, since a daemon may notify after
 * dropping privileges (the directory holding it must be searchable by that
 * user too).  A relative SOCKET_PATH is made absolute for NOTIFY_SOCKET.
 * Usage errors exit 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NW_MAX_DGRAM 4096 /* bytes; sd_notify messages are small */
#define NW_MAX_LINE  4200 /* bytes; one relayed line */
#define NW_TICK_MS   100  /* how often the child is looked at */
#define NW_GRACE     15   /* seconds the front waits past -t */

struct nw_opts {
	double timeout; /* seconds */
	const char *socket_path;
	const char *record_path; /* -o, or NULL */
	const char *until;       /* -u, or NULL */
	bool listen_only;        /* -l */
	char **command;          /* argv after "--" */
	char what[256];          /* the command line, for messages */
};

/* What the supervisor knows; its output goes to the front through `out`. */
struct nw_super {
	const struct nw_opts *o;
	int sock;
	int out;    /* pipe to the front; -1 once closed */
	int record; /* -o file, or -1 */
	pid_t front;
	pid_t child;
};

/* Set by SIGINT/SIGTERM/SIGHUP; the loops check it. */
static volatile sig_atomic_t nw_interrupted;

static void
nw_on_signal(int sig)
{
	nw_interrupted = sig;
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: notify-wait -t SECONDS [-o FILE] SOCKET_PATH -- "
		    "COMMAND [ARGS...]\n"
		    "       notify-wait -t SECONDS -l [-u WORD] SOCKET_PATH\n");
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Milliseconds to poll: one tick, or less if the deadline is nearer. */
static int
tick_ms(double deadline)
{
	double left = deadline - now_seconds();

	if (left <= 0) {
		return 0;
	}
	return left * 1000 > NW_TICK_MS ? NW_TICK_MS : (int)(left * 1000) + 1;
}

static int
parse_timeout(const char *arg, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' ||
	    !(*out > 0 && *out <= 86400)) {
		fprintf(stderr, "notify-wait: bad timeout '%s'\n", arg);
		return -1;
	}
	return 0;
}

/* Joins argv into buf (at least 4 bytes) for messages, "..." if cut. */
static void
describe_command(char *const *argv, char *buf, size_t size)
{
	size_t len = 0;
	int n;

	buf[0] = '\0';
	for (; *argv != NULL; argv++) {
		n = snprintf(buf + len, size - len, "%s%s", len > 0 ? " " : "",
			     *argv);
		if (n < 0 || (size_t)n >= size - len) {
			memcpy(buf + size - 4, "...", 4);
			return;
		}
		len += (size_t)n;
	}
}

static int
parse_args(int argc, char **argv, struct nw_opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->timeout = -1;
	while ((c = getopt(argc, argv, "+t:o:u:lh")) != -1) {
		switch (c) {
		case 't':
			if (parse_timeout(optarg, &o->timeout) == -1) {
				return -1;
			}
			break;
		case 'o':
			o->record_path = optarg;
			break;
		case 'u':
			o->until = optarg;
			break;
		case 'l':
			o->listen_only = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (o->timeout < 0 || optind >= argc) {
		return -1;
	}
	o->socket_path = argv[optind++];
	if (o->listen_only) {
		return optind == argc ? 0 : -1;
	}
	if (optind < argc && strcmp(argv[optind], "--") == 0) {
		optind++;
	}
	if (optind >= argc) {
		return -1;
	}
	o->command = argv + optind;
	describe_command(o->command, o->what, sizeof(o->what));
	return 0;
}

/*
 * $NOTIFY_SOCKET must be absolute (sd_notify ignores anything else), so a
 * relative path is joined to the working directory.
 */
static int
absolute_path(const char *path, char *buf, size_t size)
{
	struct sockaddr_un sun;
	char cwd[4096];
	int n = -1;

	if (path[0] == '/') {
		n = snprintf(buf, size, "%s", path);
	} else if (getcwd(cwd, sizeof(cwd)) != NULL) {
		n = snprintf(buf, size, "%s/%s", cwd, path);
	}
	if (n < 0 || (size_t)n >= size || (size_t)n >= sizeof(sun.sun_path)) {
		fprintf(stderr, "notify-wait: %s: socket path too long\n",
			path);
		return -1;
	}
	return 0;
}

static int
open_socket(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "notify-wait: %s: socket path too long\n",
			path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		fprintf(stderr, "notify-wait: socket: %s\n", strerror(errno));
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		fprintf(stderr, "notify-wait: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0666) == -1) {
		fprintf(stderr, "notify-wait: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
set_signals(void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * Reads one datagram into buf (NUL-terminated).  Returns its length, 0
 * when nothing is waiting, -1 on error.
 */
static ssize_t
read_dgram(int sock, char *buf, size_t size)
{
	ssize_t n;

	n = recv(sock, buf, size - 1, 0);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			return 0;
		}
		return -1;
	}
	buf[n] = '\0';
	return n;
}

static int
wait_readable(int fd, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	return poll(&pfd, 1, ms);
}

/* --- listen mode ----------------------------------------------------------- */

/* Prints each line of a datagram; returns true if one equals `word`. */
static bool
print_lines(char *buf, const char *word)
{
	bool seen = false;
	char *line, *save = NULL;

	for (line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		printf("notify: %s\n", line);
		if (word != NULL && strcmp(line, word) == 0) {
			seen = true;
		}
	}
	fflush(stdout);
	return seen;
}

static int
listen_mode(const struct nw_opts *o, int sock)
{
	char buf[NW_MAX_DGRAM];
	double deadline = now_seconds() + o->timeout;
	int rc = o->until != NULL ? 1 : 0;

	set_signals(nw_on_signal);
	while (rc != 0 || o->until == NULL) {
		while (read_dgram(sock, buf, sizeof(buf)) > 0) {
			if (print_lines(buf, o->until)) {
				rc = 0;
			}
		}
		if (nw_interrupted || now_seconds() >= deadline ||
		    (o->until != NULL && rc == 0)) {
			break;
		}
		wait_readable(sock, tick_ms(deadline));
	}
	unlink(o->socket_path);
	if (nw_interrupted && rc != 0) {
		fprintf(stderr, "notify-wait: interrupted\n");
	} else if (rc != 0) {
		fprintf(stderr, "notify-wait: no %s within %g s\n", o->until,
			o->timeout);
	}
	return rc;
}

/* --- the supervisor: the command's parent ------------------------------------ */

/* One line to the front: kind 'O' for its stdout, 'E' for its stderr. */
__attribute__((format(printf, 3, 4))) static void
report(struct nw_super *s, char kind, const char *fmt, ...)
{
	char line[NW_MAX_LINE];
	va_list ap;
	int n;

	if (s->out == -1) {
		return;
	}
	line[0] = kind;
	va_start(ap, fmt);
	n = vsnprintf(line + 1, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0) {
		return;
	}
	if ((size_t)n > sizeof(line) - 3) {
		n = (int)sizeof(line) - 3;
	}
	line[n + 1] = '\n';
	if (write(s->out, line, (size_t)n + 2) == -1) {
		/* The front is gone (EPIPE): nobody waits for us. */
		close(s->out);
		s->out = -1;
		nw_interrupted = SIGPIPE;
	}
}

static pid_t
spawn(struct nw_super *s)
{
	char abs[4096];
	pid_t pid;

	if (absolute_path(s->o->socket_path, abs, sizeof(abs)) == -1) {
		return -1;
	}
	pid = fork();
	if (pid == -1) {
		fprintf(stderr, "notify-wait: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (setenv("NOTIFY_SOCKET", abs, 1) == -1) {
			_exit(127);
		}
		execvp(s->o->command[0], s->o->command);
		fprintf(stderr, "notify-wait: %s: %s\n", s->o->command[0],
			strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Lets go of the caller's stdio: the command has its own copies. */
static void
detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd == -1) {
		return;
	}
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO) {
		close(fd);
	}
}

static void
kill_child(pid_t pid)
{
	int i;

	if (kill(pid, SIGTERM) == -1) {
		return;
	}
	for (i = 0; i < 50; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			return;
		}
		usleep(100 * 1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void
report_exit(struct nw_super *s, int status)
{
	if (WIFEXITED(status)) {
		report(s, 'E',
		       "notify-wait: '%s' exited with status %d before READY=1",
		       s->o->what, WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		report(s, 'E',
		       "notify-wait: '%s' killed by signal %d before READY=1",
		       s->o->what, WTERMSIG(status));
	}
}

/* Relays a datagram's lines; returns true if one is READY=1. */
static bool
relay_lines(struct nw_super *s, char *buf)
{
	bool ready = false;
	char *line, *save = NULL;

	for (line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		report(s, 'O', "notify: %s", line);
		if (strcmp(line, "READY=1") == 0) {
			ready = true;
		}
	}
	return ready;
}

/*
 * Waits for READY=1.  Returns 0 when seen; -1 (explained to the front,
 * the child killed or reaped) otherwise.
 */
static int
wait_ready(struct nw_super *s)
{
	char buf[NW_MAX_DGRAM];
	double deadline = now_seconds() + s->o->timeout;
	int status;

	for (;;) {
		while (read_dgram(s->sock, buf, sizeof(buf)) > 0) {
			if (relay_lines(s, buf)) {
				return 0;
			}
		}
		if (waitpid(s->child, &status, WNOHANG) == s->child) {
			report_exit(s, status);
			return -1;
		}
		if (nw_interrupted || getppid() != s->front) {
			report(s, 'E', "notify-wait: interrupted; stopping %s",
			       s->o->what);
			break;
		}
		if (now_seconds() >= deadline) {
			report(s, 'E',
			       "notify-wait: no READY=1 from '%s' within %g s",
			       s->o->what, s->o->timeout);
			break;
		}
		wait_readable(s->sock, tick_ms(deadline));
	}
	kill_child(s->child);
	return -1;
}

/* Appends every waiting datagram to the record file. */
static void
record_pending(struct nw_super *s)
{
	char buf[NW_MAX_DGRAM + 1];
	size_t len;

	while (read_dgram(s->sock, buf, NW_MAX_DGRAM) > 0) {
		len = strlen(buf);
		if (len > 0 && buf[len - 1] != '\n') {
			buf[len++] = '\n';
		}
		if (s->record != -1 && write(s->record, buf, len) == -1) {
			/* Nowhere to tell: the supervisor has no stdio. */
		}
	}
}

static void
record_exit(struct nw_super *s, int status)
{
	char line[64];
	int n;

	record_pending(s);
	if (s->record == -1) {
		return;
	}
	if (WIFSIGNALED(status)) {
		n = snprintf(line, sizeof(line), "EXIT_SIGNAL=%d\n",
			     WTERMSIG(status));
	} else {
		n = snprintf(line, sizeof(line), "EXIT_STATUS=%d\n",
			     WEXITSTATUS(status));
	}
	if (n > 0 && write(s->record, line, (size_t)n) == -1) {
		/* As above. */
	}
}

/* After READY=1: record notifications until the child exits. */
static void
supervise(struct nw_super *s)
{
	int status;
	pid_t r;

	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	for (;;) {
		record_pending(s);
		r = waitpid(s->child, &status, WNOHANG);
		if (r == s->child || (r == -1 && errno == ECHILD)) {
			break;
		}
		wait_readable(s->sock, 200);
	}
	if (r == s->child) {
		record_exit(s, status);
	}
	unlink(s->o->socket_path);
}

static void
supervisor_main(struct nw_super *s)
{
	signal(SIGPIPE, SIG_IGN);
	s->child = spawn(s);
	detach_stdio();
	if (s->child == -1) {
		report(s, 'E', "notify-wait: cannot start %s", s->o->what);
		_exit(1);
	}
	if (wait_ready(s) == -1) {
		unlink(s->o->socket_path);
		_exit(1);
	}
	report(s, 'O', "pid=%d", (int)s->child);
	report(s, 'O', "recorder=%d", (int)getpid());
	close(s->out);
	s->out = -1;
	supervise(s);
	_exit(0);
}

/* --- the front: what the caller waits for ------------------------------------- */

/*
 * Writes the whole lines in buf[0..*len) to stdout or stderr and keeps the
 * unfinished rest at the start of buf.  Returns true on a "pid=" line.
 */
static bool
front_print(char *buf, size_t *len)
{
	bool got_pid = false;
	char *line = buf, *nl;
	size_t rest;

	while ((nl = memchr(line, '\n', *len - (size_t)(line - buf))) != NULL) {
		*nl = '\0';
		if (line[0] == 'E') {
			fprintf(stderr, "%s\n", line + 1);
		} else if (line[0] == 'O') {
			printf("%s\n", line + 1);
			got_pid = got_pid || strncmp(line + 1, "pid=", 4) == 0;
		}
		line = nl + 1;
	}
	fflush(stdout);
	rest = *len - (size_t)(line - buf);
	memmove(buf, line, rest);
	*len = rest;
	return got_pid;
}

static int
front_main(const struct nw_opts *o, int in, pid_t super)
{
	char buf[2 * NW_MAX_LINE];
	double deadline = now_seconds() + o->timeout + NW_GRACE;
	size_t len = 0;
	bool got_pid = false;
	ssize_t n;

	for (;;) {
		if (nw_interrupted || now_seconds() >= deadline) {
			fprintf(stderr, "notify-wait: %s; stopping %s\n",
				nw_interrupted ? "interrupted"
					       : "supervisor hangs",
				o->what);
			kill(super, SIGTERM);
			return 1;
		}
		if (wait_readable(in, tick_ms(deadline)) <= 0) {
			continue;
		}
		n = read(in, buf + len, sizeof(buf) - len);
		if (n == -1 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		len += (size_t)n;
		if (front_print(buf, &len)) {
			got_pid = true;
		}
		if (len == sizeof(buf)) {
			len = 0; /* a line longer than any we send */
		}
	}
	if (!got_pid) {
		waitpid(super, NULL, 0);
	}
	fflush(stdout);
	return got_pid ? 0 : 1;
}

static int
command_mode(const struct nw_opts *o, int sock)
{
	struct nw_super s = {.o = o, .sock = sock, .record = -1};
	int p[2];
	pid_t super;

	if (o->record_path != NULL) {
		s.record =
			open(o->record_path,
			     O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (s.record == -1) {
			fprintf(stderr, "notify-wait: %s: %s\n", o->record_path,
				strerror(errno));
			return 1;
		}
	}
	if (pipe(p) == -1 || fcntl(p[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(p[1], F_SETFD, FD_CLOEXEC) == -1) {
		fprintf(stderr, "notify-wait: pipe: %s\n", strerror(errno));
		return 1;
	}
	set_signals(nw_on_signal);
	s.front = getpid();
	fflush(stdout);
	fflush(stderr);
	super = fork();
	if (super == -1) {
		fprintf(stderr, "notify-wait: fork: %s\n", strerror(errno));
		return 1;
	}
	if (super == 0) {
		close(p[0]);
		s.out = p[1];
		supervisor_main(&s);
	}
	close(p[1]);
	close(sock);
	if (s.record != -1) {
		close(s.record);
	}
	return front_main(o, p[0], super);
}

int
main(int argc, char **argv)
{
	struct nw_opts o;
	int sock, rc;

	if (parse_args(argc, argv, &o) == -1) {
		usage(stderr);
		return 2;
	}
	sock = open_socket(o.socket_path);
	if (sock == -1) {
		return 1;
	}
	rc = o.listen_only ? listen_mode(&o, sock) : command_mode(&o, sock);
	fflush(stdout);
	return rc;
}
