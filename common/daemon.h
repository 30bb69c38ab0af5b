/*
 * daemon: what the three daemons share about being a daemon.
 *
 * daemon_main() owns the process: the command line (-c -t -v -V -h and a
 * daemon's own letters), loading and checking the config, the event
 * loop, signals as loop events (SIGTERM/SIGINT stop, SIGHUP reload,
 * SIGUSR1 stats), readiness through $NOTIFY_SOCKET and dropping
 * privileges once every socket is bound.  A daemon supplies hooks.
 */
#ifndef LABGATE_DAEMON_H
#define LABGATE_DAEMON_H

#include <stdbool.h>

#include "config.h"

struct event_base;
struct daemon;

struct daemon_hooks {
	const char *name;            /* "dhcpd": log ident, usage */
	enum config_section section; /* required in the file */
	const char *extra_opts;      /* getopt letters beyond "c:tvVh" */
	const char *extra_usage;     /* lines for -h, or NULL */
	/*
	 * One of extra_opts seen; returns 0, or -1 to print usage, exit 2.
	 * It may set d->run_instead.
	 */
	int (*option)(struct daemon *d, int opt, const char *arg);
	/* Bind sockets and add events.  Returns 0, or -1 (logged) to exit 1. */
	int (*start)(struct daemon *d);
	/*
	 * Apply a new config that passed every check; restart-only keys
	 * already hold their old values.  Returns 0 to adopt `next`, or -1
	 * (logged) to keep the old one.
	 */
	int (*reload)(struct daemon *d, const struct config *next);
	/*
	 * Begin a graceful stop.  Call daemon_stopped() when in-flight work
	 * is done; NULL means stop at once.
	 */
	void (*stop)(struct daemon *d);
	void (*stats)(struct daemon *d);   /* SIGUSR1; may be NULL */
	void (*cleanup)(struct daemon *d); /* after the loop; may be NULL */
};

struct daemon {
	const struct daemon_hooks *hooks;
	struct event_base *base;
	const struct config *cfg; /* current; replaced on reload */
	const char *config_path;
	int verbosity;   /* count of -v */
	bool check_only; /* -t */
	bool stopping;
	/*
	 * Set by an option hook to replace the run: called once the config is
	 * loaded, instead of start and the loop (dhcpd -l lists the leases).
	 * Returns the exit status.
	 */
	int (*run_instead)(struct daemon *d);
	void *ctx; /* the daemon's own state */
};

/* Runs a daemon; returns the process exit status. */
int daemon_main(int argc, char **argv, const struct daemon_hooks *hooks,
		void *ctx);

/* From a stop hook, once in-flight work has finished. */
void daemon_stopped(struct daemon *d);

/*
 * Drops to `user` and its primary group, with no supplementary groups,
 * if running as root; a NULL user or a non-root process is left alone.
 * Returns 0, or -1 with the cause in err.
 */
int daemon_drop_privileges(const char *user, char *err, size_t errlen);

#endif
