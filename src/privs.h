/*
 * privs: the privileges of the child (--user, --caps, --no-new-privs) and
 * of reaper itself once the child runs.
 *
 * Everything is resolved before fork (privs_prepare: the passwd and group
 * files, the capability names); the child only applies the
 * prepared result with system calls (privs_apply_child), in the order of
 * DESIGN.md: groups, gid, uid, capabilities (bounding set first, while
 * CAP_SETPCAP is still effective), ambient, no_new_privs. A step whose
 * result is already true is skipped, so a reaper that already runs as the
 * user it is asked to become (nested under another init that applied the
 * same --user) succeeds: privs_plan_ids decides which, before fork, and
 * which privilege a step that is not already true needs and reaper lacks
 * (restricted profiles: no CAP_SETUID as an arbitrary uid): that is exit
 * 125 before the job starts, not a failure in the child. A job as another
 * uid that reaper could not signal (no CAP_KILL: Kubernetes' drop [ALL])
 * is started all the same: once it runs, reaper takes the job's uid as
 * its effective uid alone (privs_drop_own), which kill(2) accepts, while
 * the job holds nothing of reaper's ids.
 */
#ifndef REAPER_PRIVS_H
#define REAPER_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "caps.h"

struct config;

/* Which id and capability steps the child takes (privs_plan_ids). */
struct privs_steps {
	bool set_groups;         /* the groups differ from the wanted set */
	bool set_gid;            /* a real, effective or saved gid differs */
	bool set_uid;            /* a real, effective or saved uid differs */
	bool prove_uid;          /* afterwards, regaining old_uid must fail */
	bool prove_gid;          /* afterwards, regaining old_gid must fail */
	uid_t old_uid;
	gid_t old_gid;
	int need_cap;            /* -1, or a capability a step needs and reaper lacks */
	int need_step;           /* that step (enum privs_step) */
	bool signal_as_uid;      /* no CAP_KILL for the job's uid: reaper takes it as
				  * its effective uid once the job runs */
};

/* The ids a process runs with. */
struct privs_ids {
	uid_t uid[3];            /* real, effective, saved */
	gid_t gid[3];
	const gid_t *groups;     /* supplementary groups, in any order */
	size_t group_count;
	uint64_t effective;      /* capabilities: CAPS_BIT(number) */
	uint64_t permitted;
};

struct privs {
	bool change_ids;         /* --user given */
	uid_t uid;
	gid_t gid;
	gid_t *groups;           /* supplementary groups (owned) */
	size_t group_count;
	char *home_env;          /* "HOME=..." to add when HOME is unset, or NULL */
	bool set_caps;           /* --caps given */
	bool keep_all;           /* --caps all: every capability reaper holds */
	uint64_t keep;           /* caps the child keeps: CAPS_BIT(number) */
	struct caps_child caps;  /* what the child applies for --caps */
	bool no_new_privs;
	bool new_session;        /* --user on a terminal: no controlling tty (TIOCSTI) */
	struct privs_steps steps;
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

/*
 * Which of --user's steps p needs, from the ids reaper runs with now (now)
 * and those p wants (uid, gid, groups, keep): groups, gid and uid only
 * where they differ (groups as sets: order and repeats do not count), and
 * the proof that the old ids are gone only for an id that changed and was
 * not kept by CAP_SETUID/CAP_SETGID (a root gid can always come back).
 * need_cap: the first of those steps that needs a capability now's
 * effective set lacks (setgroups: CAP_SETGID; setresgid, setresuid: CAP_SETGID,
 * CAP_SETUID unless the id is one we have). signal_as_uid: the job's uid
 * is neither our real nor effective uid and CAP_KILL is not in now's
 * permitted set, so reaper could not signal it but as that uid (taking it
 * needs what the uid step needed: CAP_SETUID, or an id we have). Sets
 * p->steps. Pure.
 */
void privs_plan_ids(const struct privs_ids *now, struct privs *p);

/*
 * After exec failed with EPERM: whether the first of candidates (the
 * paths exec tried) that is a file carries file capabilities beyond the
 * bounding set the child had (--caps LIST, or reaper's own), which the
 * kernel refuses for a file with the effective bit. Writes "its file
 * capabilities (cap_x,...) exceed what --caps allows" (or "... reaper's
 * bounding set") into buf and returns true; false when that is not why.
 */
bool privs_explain_exec(const struct privs *p, char *const *candidates, char *buf, size_t size);

/* Release what privs_prepare allocated. */
void privs_free(struct privs *p);

/* In the child, which may share our memory: apply p. Returns 0, or
 * -errno with *step set. Makes only system calls. */
int privs_apply_child(const struct privs *p, enum privs_step *step);

/* Reaper itself, once the child runs: keep CAP_KILL (to signal a child that
 * runs as another user; nothing where we do not hold it) and drop every
 * other capability. Before that, while CAP_SETUID is still effective, where
 * p (the job's privileges; NULL: reaper started no job, or only relays to
 * an inner reaper) says so (signal_as_uid): the job's uid as our effective
 * uid, real and saved unchanged. Logs failures. */
void privs_drop_own(const struct privs *p);

#endif
