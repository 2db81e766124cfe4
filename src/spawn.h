/*
 * spawn: starts COMMAND as the main child.
 *
 * Everything is prepared before fork (PATH candidates, the environment with
 * LISTEN_PID, the /bin/sh fallback); the child runs only a short line of
 * system calls and reports a failure as {step, errno} over a close-on-exec
 * pipe. EOF on that pipe means exec succeeded.
 */
#ifndef REAPER_SPAWN_H
#define REAPER_SPAWN_H

struct privs;
struct reaper;

/*
 * Fork and exec r->cfg->argv with the privileges prepared in privs. The
 * child is leader of a new process group, or of a new session (no
 * controlling terminal) when privs->new_session. On success sets r->job.child_pid and
 * r->job.child_pidfd (-1 where the kernel has no pidfd_open) and returns 0.
 * When the command cannot run, logs one line naming it and returns the exit
 * code reaper must end with: 127 (not found), 126 (not executable), 125
 * (set-up failed). The failed child has been reaped.
 */
int spawn_child(struct reaper *r, char *const envp[], const struct privs *privs);

/*
 * What spawn_child adds to its "cannot run 'NAME': ..." line when exec
 * failed with err: for a command that was not found (ENOENT) and starts
 * with '-', most likely reaper's option given after the image name (the
 * ENTRYPOINT's "--" made it the command, as in `docker run IMAGE --help`),
 * one sentence, starting with a space, on how to give reaper options in a
 * container; "" otherwise. Pure; static storage.
 */
const char *spawn_not_found_hint(const char *name, int err);

#endif
