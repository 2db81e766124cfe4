/*
 * terminal: job control on the terminal reaper shares with the job.
 *
 * Owns: struct terminal's fd and foreground. Never: a terminal change when
 * reaper is not in the foreground, or a stop as PID 1.
 */
#include "terminal.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "isolate.h"
#include "config.h"
#include "log.h"
#include "reaper.h"

void terminal_find(struct reaper *r)
{
	if (!isatty(STDIN_FILENO))
		return;
	r->tty.fd = STDIN_FILENO;
	r->tty.foreground = tcgetpgrp(STDIN_FILENO) == getpgrp();
}

/* Stop ourselves too, so the shell that started us sees its job stop and
 * gets its prompt back. Only when we hold a terminal, the one case where a
 * shell's job control needs it: a stopped reaper acts on no TERM, so
 * elsewhere (a host job under systemd or cron, a container) a stopped job
 * would become unkillable by TERM. As PID 1 there is no such shell, and
 * stopping would freeze the container; as the inner reaper of --isolate,
 * the outer one stops in our place (on the same terminal test). */
void terminal_follow_stop(struct reaper *r)
{
	if (!r->job.child_stopped || r->job.child_reaped)
		return;
	r->job.child_stopped = false;
	if (r->tty.fd < 0)
		return;
	if (r->self_pid == 1) {
		if (r->control_fd >= 0)
			isolate_report_stopped(r);
		return;
	}
	log_msg(LOG_INFO, "child stopped; stopping too");
	if (kill(r->self_pid, SIGSTOP) < 0)
		log_msg(LOG_WARN, "stopping: %m");
}

void terminal_resume(struct reaper *r)
{
	if (r->tty.fd < 0 || r->tty.job_pgid <= 0 || r->job.child_reaped ||
	    tcgetpgrp(r->tty.fd) != getpgrp())
		return;
	if (tcsetpgrp(r->tty.fd, r->tty.job_pgid) < 0)
		log_msg(LOG_WARN, "giving the terminal to %d: %m", (int)r->tty.job_pgid);
}

/* A session leader that lets go of its terminal makes the kernel send HUP
 * and CONT to the terminal's foreground group, us included: those two
 * were never meant for the job, and are taken off our queue here
 * (blocked, they wait there). */
int terminal_release(struct reaper *r)
{
	int fd = r->tty.fd;
	bool leader = getsid(0) == r->self_pid;

	if (fd < 0)
		return -1;
	r->tty.fd = -1;
	if (ioctl(fd, TIOCNOTTY) < 0) {
		log_msg(LOG_DEBUG, "letting go of the terminal: %m");
		return fd;
	}
	if (!leader)
		return fd;
	sigset_t hangup;
	struct timespec now = {0, 0};
	if (sigemptyset(&hangup) < 0 || sigaddset(&hangup, SIGHUP) < 0 ||
	    sigaddset(&hangup, SIGCONT) < 0)
		return fd;
	/* At most the two the kernel sent; none waiting is the usual case. */
	if (sigtimedwait(&hangup, NULL, &now) > 0)
		(void)sigtimedwait(&hangup, NULL, &now);
	return fd;
}

/* With a terminal, terminal_follow_stop stops us once the child has
 * stopped; without one, only --suspend-self (dumb-init's way) does, on
 * the terminal stop signal itself. */
void terminal_stop_with_job(struct reaper *r, int signo)
{
	if (!r->cfg->suspend_self || r->tty.fd >= 0 ||
	    (signo != SIGTSTP && signo != SIGTTIN && signo != SIGTTOU))
		return;
	if (kill(r->self_pid, SIGSTOP) < 0)
		log_msg(LOG_WARN, "stopping: %m");
}
