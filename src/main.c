/*
 * reaper: a PID-1 init and child subreaper.
 *
 * main reads as the program's phases: take over the signals, parse,
 * become a reaper, spawn, settle, loop, exit. Until the child runs, a
 * failure prints one line and exits 125; after that reaper never exits on
 * an error, only by the end of the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli.h"
#include "isolate.h"
#include "log.h"
#include "loop.h"
#include "signame.h"
#include "personality.h"
#include "privs.h"
#include "reap.h"
#include "reportfile.h"
#include "reaper.h"
#include "restart.h"
#include "clock.h"
#include "spawn.h"
#include "tell.h"
#include "terminal.h"
#include "trace.h"

/* Before anything else: block every catchable signal, so nothing sent to
 * us before the child exists is lost, and read them from a signalfd. The
 * faults too: a `kill -SEGV` is a request to forward like any other (the
 * loop tells it by si_code), while a real fault still ends us, since the
 * kernel forces it (unblocks it and resets its action, even for PID 1). An
 * inherited SIG_IGN on SIGCHLD would make the kernel reap our children
 * itself and lose their status: reset it, and let the child inherit it
 * back. */
static void take_over_signals(struct reaper *r)
{
	struct sigaction old_chld;
	sigset_t all;

	if (sigaction(SIGCHLD, NULL, &old_chld) < 0)
		log_fatal("reading the SIGCHLD disposition: %m");
	r->sigchld_was_ignored = old_chld.sa_handler == SIG_IGN;
	if (r->sigchld_was_ignored && signal(SIGCHLD, SIG_DFL) == SIG_ERR)
		log_fatal("resetting SIGCHLD: %m");

	if (sigfillset(&all) < 0)
		log_fatal("sigfillset: %m");
	if (sigprocmask(SIG_SETMASK, &all, &r->orig_mask) < 0)
		log_fatal("blocking signals: %m");
	r->signal_fd = signalfd(-1, &all, SFD_CLOEXEC); /* blocking: see loop.c */
	if (r->signal_fd < 0)
		log_fatal("signalfd: %m");
}

/* --help, --version, --license: the text (after intro, when not NULL) on
 * stream, stdout unless a personality says stderr (no child runs, so
 * stdout is ours), then exit 0; a text that could not be written is a
 * failure. */
static noreturn void print_and_exit(FILE *stream, const char *intro, const char *text)
{
	if ((intro != NULL && fputs(intro, stream) == EOF) || fputs(text, stream) == EOF ||
	    fflush(stream) == EOF)
		log_fatal("writing to %s: %m", stream == stdout ? "stdout" : "stderr");
	exit(EXIT_SUCCESS);
}

/* Under a peer's name (personality.h) its defaults come first and its
 * conventions hold: the usage exit code, the streams, the version line. */
static void parse_or_exit(struct config *cfg, int argc, char *argv[])
{
	const struct personality *p = personality_of(argc > 0 ? argv[0] : NULL);
	struct cli_result result;
	char version[128];

	switch (personality_parse(p, cfg, argc, argv, environ, &result)) {
	case CLI_RUN:
		/* The level first, so that -q silences the warnings. */
		log_set_level(cfg->verbosity);
		for (size_t i = 0; i < result.warning_count && i < CLI_WARNINGS_MAX; i++)
			log_msg(LOG_WARN, "%s", result.warnings[i]);
		if (result.warning_count > CLI_WARNINGS_MAX)
			log_msg(LOG_WARN, "%zu more unknown variables, ignored",
				result.warning_count - CLI_WARNINGS_MAX);
		return;
	case CLI_HELP:
		print_and_exit(p->help_to_stderr ? stderr : stdout, p->summary, cli_help());
	case CLI_VERSION:
		print_and_exit(p->version_to_stderr ? stderr : stdout, NULL,
			       personality_version(p, REAPER_VERSION, REAPER_COMMIT, version,
						   sizeof(version)));
	case CLI_LICENSE:
		print_and_exit(stdout, NULL, cli_license());
	case CLI_USAGE:
		log_msg(LOG_ERROR, "%s; see '%s --help'", result.message, p->name);
		exit(p->usage_exit);
	}
	log_fatal("internal error: unknown parse result");
}

/* Subreaper when not PID 1, so orphans of the job come to us. EINVAL means
 * the kernel does not know the request (emulators such as qemu-user refuse
 * it): the job can still run, supervised, with its orphans going to the
 * host's init, so that is a warning; any other refusal stays fatal. With
 * tini's -p, ask for a signal when our parent dies; if it died before we
 * asked (getppid changed: we were re-parented), send that signal ourselves
 * so the job still hears about it. */
static void become_reaper(struct reaper *r)
{
	r->self_pid = getpid();
	if (r->self_pid != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		if (errno != EINVAL)
			log_fatal("cannot become a child subreaper: %m");
		log_msg(LOG_WARN, "cannot become a child subreaper (%m): orphans of the job "
			"go to the host's init, not to reaper");
	}
	int signo = r->cfg->parent_death_signo;
	if (signo == 0)
		return;
	pid_t parent = getppid();
	if (prctl(PR_SET_PDEATHSIG, signo, 0, 0, 0) < 0)
		log_fatal("cannot set the parent-death signal: %m");
	if (getppid() != parent && kill(r->self_pid, signo) < 0)
		log_fatal("raising the parent-death signal: %m");
}

/* Close fds lo..hi; close_range where the kernel has it, else one by one
 * up to the descriptor limit. */
static void close_fds(unsigned lo, unsigned hi)
{
	if (lo > hi || close_range(lo, hi, 0) == 0)
		return;
	long limit = sysconf(_SC_OPEN_MAX);
	for (unsigned fd = lo; fd <= hi && (long)fd < limit; fd++)
		(void)close((int)fd); /* EBADF for the unused ones is expected */
}

/* Once the child runs, hold nothing it could need: a child that closes its
 * stdout or a socket must be seen as having closed it. We keep stderr (for
 * our log), the terminal we hand over on SIGCONT, and our own descriptors.
 * Also leave the working directory, so we pin no mount, and every
 * capability but CAP_KILL (privs: the job's, so that without CAP_KILL we
 * can take its uid; NULL when we started none). */
static void settle(struct reaper *r, const struct privs *privs)
{
	/* --restart: the next run needs all of it (descriptors, working
	 * directory, the privileges to become its user) as the first had it. */
	if (r->cfg->restart != RESTART_NO)
		return;
	int keep[] = {STDERR_FILENO, r->signal_fd, r->job.child_pidfd, r->tty.fd, r->control_fd,
		      r->trace_fd, r->report_dir_fd};
	size_t n = sizeof(keep) / sizeof(keep[0]);
	unsigned next = 0;

	for (size_t i = 0; i < n; i++) /* insertion sort: seven entries */
		for (size_t j = i; j > 0 && keep[j] < keep[j - 1]; j--) {
			int tmp = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = tmp;
		}
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < next)
			continue;
		if ((unsigned)keep[i] > next)
			close_fds(next, (unsigned)keep[i] - 1);
		next = (unsigned)keep[i] + 1;
	}
	close_fds(next, ~0U);
	if (chdir("/") < 0)
		log_msg(LOG_WARN, "chdir /: %m");
	privs_drop_own(privs);
}

/* Resolve --user, --caps and --no-new-privs before anything is started, so
 * a bad value is exit 125 and the command never runs. */
static void prepare_privs(const struct reaper *r, struct privs *privs)
{
	char err[256];

	if (privs_prepare(r->cfg, r->tty.fd >= 0, privs, err, sizeof(err)) < 0)
		log_fatal("%s", err);
}

/* Spawn COMMAND (again, with --restart). Returns 0, or the exit code when
 * it could not run. */
static int start_job(struct reaper *r, const struct privs *privs)
{
	restart_begin_run(r);
	int failed = spawn_child(r, environ, privs);

	if (failed != 0)
		return failed;
	tell_spawn(r);
	r->job.children_left = true;
	r->tty.job_pgid = privs->new_session ? 0 : r->job.child_pid;
	if (r->control_fd >= 0)
		isolate_report_started(r);
	return 0;
}

/* Say how we end, then end. */
static int finish(const struct reaper *r)
{
	struct reap_ending end = reap_ending(r->cfg, r->shutdown.timed_out, r->job.child_status);

	tell_done(r, &end);
	return end.code;
}

int main(int argc, char *argv[])
{
	struct reaper r = {
		.tty.fd = -1, .job.child_pidfd = -1, .signal_fd = -1, .shutdown.timer_fd = -1,
		.control_fd = -1, .trace_fd = -1, .report_dir_fd = -1, .start_ns = clock_now_ns(),
	};
	struct config cfg, outer_cfg;
	struct privs privs;

	take_over_signals(&r);
	parse_or_exit(&cfg, argc, argv);
	r.cfg = &cfg;
	trace_open(&r);
	become_reaper(&r);
	terminal_find(&r);
	prepare_privs(&r, &privs);
	/* With --isolate the outer reaper only relays to the inner one, which
	 * goes on from here as PID 1 of the job's namespace. */
	bool relay = cfg.isolate && isolate_enter(&r, &outer_cfg);
	char err[512];
	/* The reaper that writes it: the inner one. */
	if (!relay && reportfile_open(&r, err, sizeof(err)) < 0)
		log_fatal("%s", err);
	if (!relay && !cfg.pause) {
		int failed = start_job(&r, &privs);
		if (failed != 0)
			return failed;
	}
	settle(&r, relay || cfg.pause ? NULL : &privs);
	while (loop_run(&r) == LOOP_START_AGAIN) {
		int failed = start_job(&r, &privs);
		if (failed != 0)
			return failed;
	}
	privs_free(&privs);
	return finish(&r);
}
