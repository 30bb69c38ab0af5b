#include "autoconf.h"

#include "daemon.h"

#include <errno.h>
#include <event2/event.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "notify.h"

#define DAEMON_DEFAULT_CONFIG SYSCONFDIR "/labgate/lab.yaml"
#define DAEMON_BASE_OPTS      "c:tvVh"
#define DAEMON_MAX_OPTS       32 /* bytes of getopt string */
#define DAEMON_ERRLEN         256

/* Everything daemon_main owns while the loop runs. */
struct daemon_run {
	struct daemon d;
	struct config *cfg; /* owned; d.cfg points here */
	struct event *signals[4];
	time_t started; /* monotonic seconds */
	unsigned long reloads;
};

static void
daemon_usage(const struct daemon_hooks *h, FILE *out)
{
	fprintf(out,
		"usage: %s [-tvVh%s] [-c FILE]\n"
		"  -c FILE  configuration (default: %s)\n"
		"  -t       check the configuration and exit\n"
		"  -v       more logging (repeatable)\n"
		"  -V       print the version and exit\n"
		"  -h       print this help and exit\n"
		"%s",
		h->name, h->extra_opts != NULL ? h->extra_opts : "",
		DAEMON_DEFAULT_CONFIG,
		h->extra_usage != NULL ? h->extra_usage : "");
}

/* Returns -1 to go on, or an exit status. */
static int
daemon_parse_args(struct daemon *d, int argc, char **argv)
{
	const struct daemon_hooks *h = d->hooks;
	char opts[DAEMON_MAX_OPTS];
	int c;

	snprintf(opts, sizeof(opts), "%s%s", DAEMON_BASE_OPTS,
		 h->extra_opts != NULL ? h->extra_opts : "");
	d->config_path = DAEMON_DEFAULT_CONFIG;
	while ((c = getopt(argc, argv, opts)) != -1) {
		switch (c) {
		case 'c':
			d->config_path = optarg;
			break;
		case 't':
			d->check_only = true;
			break;
		case 'v':
			d->verbosity++;
			break;
		case 'V':
			printf("%s (%s) %s\n", h->name, PACKAGE_NAME,
			       PACKAGE_VERSION);
			return 0;
		case 'h':
			daemon_usage(h, stdout);
			return 0;
		default:
			if (c != '?' && h->option != NULL &&
			    h->option(d, c, optarg) == 0)
				break;
			daemon_usage(h, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", h->name,
			argv[optind]);
		daemon_usage(h, stderr);
		return 2;
	}
	return -1;
}

/* Loads and checks the file, requiring our section; prints errors. */
static struct config *
daemon_load(const struct daemon *d, bool to_log)
{
	struct config_errors errs;
	struct config *cfg;
	const char *section = config_section_name(d->hooks->section);
	size_t i;

	cfg = config_load(d->config_path, &errs);
	if (cfg != NULL && !config_has_section(cfg, d->hooks->section)) {
		config_free(cfg);
		cfg = NULL;
		memset(&errs, 0, sizeof(errs));
		errs.count = 1;
		snprintf(errs.list[0].message, sizeof(errs.list[0].message),
			 "no '%s:' section, which %s needs", section,
			 d->hooks->name);
	}
	if (cfg != NULL)
		return cfg;
	if (!to_log) {
		config_errors_print(d->config_path, &errs);
		return NULL;
	}
	for (i = 0; i < errs.count; i++) {
		if (errs.list[i].line > 0)
			log_err("reload failed: %s:%u:%u: %s", d->config_path,
				errs.list[i].line, errs.list[i].column,
				errs.list[i].message);
		else
			log_err("reload failed: %s: %s", d->config_path,
				errs.list[i].message);
	}
	return NULL;
}

static void
daemon_apply_log_level(const struct daemon *d)
{
	int level = (int)d->cfg->log_level + d->verbosity;

	log_set_level(level > LOG_LEVEL_DEBUG ? LOG_LEVEL_DEBUG
					      : (enum log_level)level);
}

static void
daemon_reload(struct daemon_run *run)
{
	struct daemon *d = &run->d;
	char changed[DAEMON_ERRLEN];
	struct config *next;

	notify_send("RELOADING=1");
	log_notice("reloading %s", d->config_path);
	next = daemon_load(d, true);
	if (next == NULL)
		goto done;
	if (config_keep_restart_keys(run->cfg, next, d->hooks->section, changed,
				     sizeof(changed)) == -1) {
		log_err("reload failed: %s change needs a restart; old "
			"configuration kept",
			changed);
		config_free(next);
		goto done;
	}
	if (changed[0] != '\0')
		log_warn("reload: restart needed for: %s (old values kept)",
			 changed);
	if (d->hooks->reload != NULL && d->hooks->reload(d, next) == -1) {
		log_err("reload failed: old configuration kept");
		config_free(next);
		goto done;
	}
	config_free(run->cfg);
	run->cfg = next;
	d->cfg = next;
	run->reloads++;
	daemon_apply_log_level(d);
	log_notice("reloaded %s", d->config_path);
done:
	notify_send("READY=1");
}

void
daemon_stopped(struct daemon *d)
{
	event_base_loopexit(d->base, NULL);
}

static void
daemon_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon_run *run = arg;
	struct daemon *d = &run->d;

	(void)what;
	clock_refresh();
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		if (d->stopping) {
			log_notice("second stop signal: exiting now");
			event_base_loopbreak(d->base);
			return;
		}
		d->stopping = true;
		notify_send("STOPPING=1");
		log_notice("stopping on %s",
			   sig == SIGTERM ? "SIGTERM" : "SIGINT");
		if (d->hooks->stop != NULL)
			d->hooks->stop(d);
		else
			daemon_stopped(d);
		break;
	case SIGHUP:
		if (!d->stopping)
			daemon_reload(run);
		break;
	case SIGUSR1:
		log_notice("stats: uptime %lds, reloads %lu",
			   (long)(clock_mono_s() - run->started), run->reloads);
		if (d->hooks->stats != NULL)
			d->hooks->stats(d);
		break;
	}
}

static int
daemon_add_signals(struct daemon_run *run)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1};
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		run->signals[i] = evsignal_new(run->d.base, sigs[i],
					       daemon_signal_cb, run);
		if (run->signals[i] == NULL ||
		    event_add(run->signals[i], NULL) == -1)
			return -1;
	}
	return 0;
}

int
daemon_drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	if (user == NULL || geteuid() != 0)
		return 0;
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		snprintf(err, errlen, "user '%s': %s", user,
			 errno ? strerror(errno) : "no such user");
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		snprintf(err, errlen, "dropping to user '%s': %s", user,
			 strerror(errno));
		return -1;
	}
	/* Paranoia: root must be out of reach now (unless user is root). */
	if (pw->pw_uid != 0 && setuid(0) != -1) {
		snprintf(err, errlen, "dropping to user '%s': root regained",
			 user);
		return -1;
	}
	return 0;
}

/* Start, drop privileges, announce readiness, run the loop. */
static int
daemon_run_loop(struct daemon_run *run)
{
	struct daemon *d = &run->d;
	char err[DAEMON_ERRLEN];

	d->base = event_base_new();
	if (d->base == NULL || daemon_add_signals(run) == -1) {
		log_err("cannot set up the event loop");
		return 1;
	}
	clock_refresh();
	run->started = clock_mono_s();
	if (d->hooks->start != NULL && d->hooks->start(d) == -1)
		return 1;
	if (daemon_drop_privileges(d->cfg->user, err, sizeof(err)) == -1) {
		log_err("%s", err);
		return 1;
	}
	notify_send("READY=1");
	log_notice("%s %s ready (%s)", d->hooks->name, PACKAGE_VERSION,
		   d->config_path);
	if (event_base_dispatch(d->base) == -1) {
		log_err("event loop failed");
		return 1;
	}
	log_notice("stopped");
	return 0;
}

static void
daemon_cleanup(struct daemon_run *run)
{
	size_t i;

	if (run->d.hooks->cleanup != NULL)
		run->d.hooks->cleanup(&run->d);
	for (i = 0; i < sizeof(run->signals) / sizeof(run->signals[0]); i++) {
		if (run->signals[i] != NULL)
			event_free(run->signals[i]);
	}
	if (run->d.base != NULL)
		event_base_free(run->d.base);
	config_free(run->cfg);
}

int
daemon_main(int argc, char **argv, const struct daemon_hooks *hooks, void *ctx)
{
	struct daemon_run run = {.d = {.hooks = hooks, .ctx = ctx}};
	int status;

	log_init(hooks->name);
	status = daemon_parse_args(&run.d, argc, argv);
	if (status >= 0)
		return status;
	run.cfg = daemon_load(&run.d, false);
	if (run.cfg == NULL)
		return 1;
	run.d.cfg = run.cfg;
	if (run.d.check_only) {
		printf("%s: configuration is valid\n", run.d.config_path);
		config_free(run.cfg);
		return 0;
	}
	daemon_apply_log_level(&run.d);
	if (run.d.run_instead != NULL)
		status = run.d.run_instead(&run.d);
	else
		status = daemon_run_loop(&run);
	daemon_cleanup(&run);
	return status;
}
