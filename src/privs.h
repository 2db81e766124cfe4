/*
 * privs: the privileges of the child (--user, --caps, --no-new-privs) and
 * of reaper itself once the child runs.
 *
 * Everything is resolved before fork (privs_prepare: the passwd and group
 * files, the capability names); the child only applies the
 * prepared result with system calls (privs_apply_child), in the order of
 * DESIGN.md: groups, gid, uid, capabilities (bounding set first, while
 * CAP_SETPCAP is still effective), ambient, no_new_privs.
 */
#ifndef REAPER_PRIVS_H
#define REAPER_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct config;

struct privs {
	bool change_ids;         /* --user given */
	uid_t uid;
	gid_t gid;
	gid_t *groups;           /* supplementary groups (owned) */
	size_t group_count;
	char *home_env;          /* "HOME=..." to add when HOME is unset, or NULL */
	bool set_caps;           /* --caps given */
	uint64_t keep;           /* caps the child keeps: CAPS_BIT(number) */
	bool no_new_privs;
	bool new_session;        /* --user on a terminal: no controlling tty (TIOCSTI) */
};

/* The steps privs_apply_child may fail at, for the spawn error report. */
enum privs_step {
	PRIVS_KEEPCAPS,
	PRIVS_GROUPS,
	PRIVS_GID,
	PRIVS_UID,
	PRIVS_REGAIN,      /* the old ids could be regained: refuse to run */
	PRIVS_BOUNDING,
	PRIVS_CAPS,
	PRIVS_AMBIENT,
	PRIVS_NO_NEW_PRIVS,
};

/* Name of a step for messages ("set supplementary groups"). */
const char *privs_step_name(enum privs_step step);

/*
 * Resolve cfg's --user, --caps and --no-new-privs into p. has_tty: stdin is
 * a terminal. Returns 0, or -1 with one line (naming the bad part, without
 * the "reaper: " prefix) in err.
 */
int privs_prepare(const struct config *cfg, bool has_tty, struct privs *p,
		  char *err, size_t err_size);

/* Release what privs_prepare allocated. */
void privs_free(struct privs *p);

/* In the child, which may share our memory: apply p. Returns 0, or
 * -errno with *step set. Makes only system calls. */
int privs_apply_child(const struct privs *p, enum privs_step *step);

/* Reaper itself, once the child runs: keep CAP_KILL (to signal a child that
 * runs as another user) and drop every other capability. Logs failures. */
void privs_drop_own(void);

#endif
