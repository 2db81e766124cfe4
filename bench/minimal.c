/*
 * minimal: the least a correct init does, as a yardstick for the figures
 * of issue 7: what any init built on glibc costs before it does anything
 * of its own. Benchmark helper, not a test; linked -static, like
 * reaper-static, and measured beside the other inits.
 *
 *   minimal COMMAND [ARG]...
 *
 * Blocks every signal, starts COMMAND vfork-style in a process group of
 * its own with the signal mask it was given, then waits in sigwaitinfo(2):
 * on SIGCHLD it reaps every zombie and exits with COMMAND's status once
 * COMMAND is reaped; any other signal goes to COMMAND's group. Nothing
 * else: no options, no terminal, no subreaper, no clean-up of what is left
 * after COMMAND, no privileges, no log.
 *
 * Exit status: COMMAND's (128+N for signal N); 127 it could not be run;
 * 2 usage; 3 set-up.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static char *const *command;
static sigset_t original;

static int child(void *unused)
{
	(void)unused;
	(void)setpgid(0, 0);
	(void)sigprocmask(SIG_SETMASK, &original, NULL);
	execvp(command[0], command);
	_exit(127);
}

int main(int argc, char *argv[])
{
	static char stack[16384] __attribute__((aligned(16)));
	sigset_t all;

	if (argc < 2)
		return 2;
	command = argv + 1;
	(void)sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &original) < 0)
		return 3;
	pid_t pid = clone(child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
	if (pid < 0)
		return 3;
	for (;;) {
		siginfo_t info;
		int signo = sigwaitinfo(&all, &info);
		if (signo < 0)
			continue; /* EINTR: a stop and continue */
		if (signo != SIGCHLD) {
			(void)kill(-pid, signo);
			continue;
		}
		int status;
		pid_t got;
		while ((got = waitpid(-1, &status, WNOHANG)) > 0)
			if (got == pid)
				return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	}
}
