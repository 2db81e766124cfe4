/*
 * execplan: the PATH candidates, environment and /bin/sh fallback of the
 * main child's exec, prepared before fork (see execplan.h).
 *
 * Owns: the arena the plan lives in, and which variables COMMAND does not
 * inherit (the REAPER_* ones reaper read). Never: an allocation, stdio or a
 * lock in exec_plan_set_listen_pid and exec_plan_run, which run in the
 * vfork-style child on reaper's own memory.
 */
#include "execplan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "options.h"
#include "sysio.h"

#define ARENA_SIZE 8192

/* Zeroed memory for the plan: from the arena when it fits, else calloc
 * (exec_plan_free tells the two apart). NULL when out of memory. */
static void *plan_alloc(struct exec_plan *plan, size_t count, size_t size)
{
	if (size != 0 && count > (ARENA_SIZE - plan->arena_used) / size)
		return calloc(count, size);
	void *p = plan->arena + plan->arena_used;
	size_t bytes = (count * size + 15) & ~(size_t)15;
	plan->arena_used += bytes < ARENA_SIZE - plan->arena_used ? bytes
								  : ARENA_SIZE - plan->arena_used;
	memset(p, 0, count * size);
	return p;
}

static void plan_release(struct exec_plan *plan, void *p)
{
	char *c = p;

	if (c != NULL && (c < plan->arena || c >= plan->arena + ARENA_SIZE))
		free(p);
}

/* Candidate paths for argv0 as execvp would try them. 0 or -ENOMEM. */
static int plan_candidates(struct exec_plan *plan, const char *argv0, char *const envp[])
{
	if (*argv0 == '\0') { /* names no file: ENOENT, as execvp and env(1) say */
		plan->candidates = plan_alloc(plan, 1, sizeof(char *));
		return plan->candidates != NULL ? 0 : -ENOMEM;
	}
	if (strchr(argv0, '/') != NULL) {
		plan->candidates = plan_alloc(plan, 2, sizeof(char *));
		if (plan->candidates == NULL)
			return -ENOMEM;
		plan->candidates[0] = (char *)argv0;
		return 0;
	}
	const char *path = cli_getenv(envp, "PATH");
	if (path == NULL)
		path = "/bin:/usr/bin"; /* glibc's execvp default */
	size_t dirs = 1;
	for (const char *p = path; *p != '\0'; p++)
		dirs += *p == ':';
	size_t name_len = strlen(argv0);
	plan->candidates = plan_alloc(plan, dirs + 1, sizeof(char *));
	plan->storage = plan_alloc(plan, strlen(path) + dirs * (name_len + 3), 1);
	if (plan->candidates == NULL || plan->storage == NULL)
		return -ENOMEM;

	char *out = plan->storage;
	const char *dir = path;
	for (size_t i = 0; i < dirs; i++) {
		const char *end = strchrnul(dir, ':');
		size_t dir_len = (size_t)(end - dir);
		plan->candidates[i] = out;
		if (dir_len == 0) { /* an empty element means the current directory */
			*out++ = '.';
		} else {
			memcpy(out, dir, dir_len);
			out += dir_len;
		}
		*out++ = '/';
		memcpy(out, argv0, name_len + 1);
		out += name_len + 1;
		dir = *end == ':' ? end + 1 : end;
	}
	return 0;
}

/* Whether entry ("NAME=value") sets a REAPER_* variable this reaper
 * reads. Reaper applied it; passed on, it would be applied again by a
 * reaper nested below (an engine's --init in front of an image whose
 * ENTRYPOINT is reaper): a rewrite TERM:QUIT,QUIT:TERM undone, --send
 * sent twice, --user asked of a process that is already that user. The
 * peers' variables (TINI_*, DUMB_INIT_*) stay for a peer below, and a
 * REAPER_* name we do not know stays for a newer reaper that does. */
static bool consumed_variable(const char *entry)
{
	size_t len = strcspn(entry, "=");

	return strncmp(entry, "REAPER_", 7) == 0 && entry[len] == '=' &&
	       options_reads_variable(entry, len);
}

/* The environment: as given, but without the REAPER_* variables reaper
 * read, with LISTEN_PID re-pointed at the child when systemd's socket
 * activation addressed it to us, and HOME added for --user when it was
 * unset (extra, or NULL). 0 or -ENOMEM. */
static int plan_environment(struct exec_plan *plan, char *const envp[], pid_t self,
			    char *extra)
{
	const char *listen_pid = cli_getenv(envp, "LISTEN_PID");
	size_t count = 0, kept = 0;

	while (envp[count] != NULL)
		count++;
	plan->envp = plan_alloc(plan, count + 2, sizeof(char *));
	if (plan->envp == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		if (consumed_variable(envp[i]))
			continue;
		plan->envp[kept] = envp[i];
		if (listen_pid != NULL && strncmp(envp[i], "LISTEN_PID=", 11) == 0 &&
		    strtol(listen_pid, NULL, 10) == (long)self) {
			plan->envp[kept] = plan->listen_pid;
			plan->has_listen_pid = true;
		}
		kept++;
	}
	plan->envp[kept] = extra;
	memcpy(plan->listen_pid, "LISTEN_PID=", 12);
	return 0;
}

static int plan_sh_fallback(struct exec_plan *plan, char *const argv[])
{
	size_t argc = 0;

	while (argv[argc] != NULL)
		argc++;
	plan->sh_argv = plan_alloc(plan, argc + 2, sizeof(char *));
	if (plan->sh_argv == NULL)
		return -ENOMEM;
	plan->sh_argv[0] = (char *)"/bin/sh";
	for (size_t i = 1; i < argc; i++)
		plan->sh_argv[i + 1] = argv[i];
	return 0;
}

void exec_plan_free(struct exec_plan *plan)
{
	plan_release(plan, plan->candidates);
	plan_release(plan, plan->storage);
	plan_release(plan, plan->envp);
	plan_release(plan, plan->sh_argv);
}

int exec_plan_prepare(struct exec_plan *plan, char *const argv[], char *const envp[], pid_t self,
		      char *extra)
{
	static char arena[ARENA_SIZE] __attribute__((aligned(16))); /* one plan at a time */
	*plan = (struct exec_plan){.arena = arena};
	int err = plan_candidates(plan, argv[0], envp);

	if (err == 0)
		err = plan_environment(plan, envp, self, extra);
	if (err == 0)
		err = plan_sh_fallback(plan, argv);
	if (err < 0)
		exec_plan_free(plan);
	return err;
}

/* In the child: sysio_format_uint is async-signal-safe. */
void exec_plan_set_listen_pid(struct exec_plan *plan)
{
	const size_t prefix = sizeof("LISTEN_PID=") - 1;

	if (!plan->has_listen_pid)
		return; /* no getpid: only socket activation needs it */
	(void)sysio_format_uint(plan->listen_pid + prefix, sizeof(plan->listen_pid) - prefix,
				(unsigned long)getpid()); /* 32 bytes hold any pid */
}

int exec_plan_run(struct exec_plan *plan, char *const argv[])
{
	int reported = ENOENT;

	for (size_t i = 0; plan->candidates[i] != NULL; i++) {
		execve(plan->candidates[i], argv, plan->envp);
		int err = errno;
		if (err == ENOEXEC) {
			plan->sh_argv[1] = plan->candidates[i];
			execve(plan->sh_argv[0], plan->sh_argv, plan->envp);
			return err;
		}
		if (err == EACCES)
			reported = EACCES;
		else if (err != ENOENT && err != ENOTDIR && err != ESTALE && err != ENODEV &&
			 err != ETIMEDOUT)
			return err;
	}
	return reported;
}
