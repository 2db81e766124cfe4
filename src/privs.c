/*
 * privs: ids, groups and capabilities, for the child and for reaper.
 *
 * Owns: deciding before fork which steps the child takes and which
 * privilege a profile lacks for them (who the user is: account.c;
 * capabilities themselves: caps.c, on libcap). Never: a library call in
 * the child but plain system call wrappers (and caps_apply_child's): it
 * shares our memory until exec, so the ids change with raw system calls
 * (glibc's set*id wrappers would signal and wait for our threads; the
 * kernel changes the calling process alone, which is what we want). User
 * lookups happen in privs_prepare, before the child.
 * Invariant: a child that was asked to drop root cannot get it back;
 * privs_apply_child proves it before exec.
 */
#include "privs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "account.h"
#include "caps.h"
#include "config.h"
#include "errmsg.h"
#include "log.h"

const char *privs_step_name(enum privs_step step)
{
	static const char *const names[] = {
		[PRIVS_KEEPCAPS] = "keep capabilities across the uid change",
		[PRIVS_GROUPS] = "set supplementary groups",
		[PRIVS_GID] = "set gid",
		[PRIVS_UID] = "set uid",
		[PRIVS_REGAIN] = "old ids could be regained",
		[PRIVS_BOUNDING] = "drop the capability bounding set",
		[PRIVS_CAPS] = "set capabilities",
		[PRIVS_AMBIENT] = "raise ambient capabilities",
		[PRIVS_NO_NEW_PRIVS] = "set no_new_privs",
	};
	return names[step];
}

/* USER[:GROUP] -> ids, groups and HOME. */
static int prepare_user(const char *spec, const char *origin, struct privs *p, char *err,
			size_t size)
{
	struct account a;

	if (account_resolve(spec, origin, &a, err, size) < 0)
		return -1;
	p->uid = a.uid;
	p->gid = a.gid;
	p->groups = a.groups;
	p->group_count = a.group_count;
	p->home_env = a.home_env;
	p->change_ids = true;
	return 0;
}

/* "none", "all" or a comma list of capabilities: whatever libcap's
 * cap_from_name reads, the same without "cap_", numbers the running kernel
 * has (newer than libcap's names too). */
static int prepare_caps(const char *spec, const char *origin, struct privs *p, char *err,
			size_t size)
{
	int count = caps_count();

	p->keep_all = strcasecmp(spec, "all") == 0;
	if (strcasecmp(spec, "none") != 0 && !p->keep_all) {
		for (const char *s = spec;;) {
			size_t len = strcspn(s, ",");
			if (len == 0)
				return errmsg_set(err, size, "%s: '%s' is not a list of capabilities",
					    origin, spec);
			int cap = caps_from_name(s, len, count);
			if (cap == -ERANGE)
				return errmsg_set(err, size, "%s: capability '%.*s' is not known to the "
					    "running kernel", origin, (int)len, s);
			if (cap < 0)
				return errmsg_set(err, size, "%s: unknown capability '%.*s'", origin,
					    (int)len, s);
			p->keep |= CAPS_BIT(cap);
			if (s[len] == '\0')
				break;
			s += len + 1;
		}
	}
	p->set_caps = true;
	return 0;
}

/* What --caps asks of what reaper holds (caps_plan): say before fork which
 * capability cannot be kept and why, instead of a bare EPERM from the
 * child. */
static int plan_caps(struct privs *p, const struct caps_now *now, const char *origin, char *err,
		     size_t size)
{
	static const char *const reasons[] = {
		[CAPS_NOT_HELD] = "reaper does not hold it",
		[CAPS_NOT_BOUND] = "it is not in reaper's bounding or inheritable set",
		[CAPS_AMBIENT_LOCKED] = "securebits forbid raising ambient capabilities",
	};
	enum caps_refusal why;
	char name[32];
	int cap, e;

	if (p->keep_all)
		p->keep = now->permitted;
	e = caps_plan(now, p->keep, &p->caps, &cap, &why);
	if (e == -EPERM) {
		caps_name(cap, name, sizeof(name));
		return errmsg_set(err, size, "%s: cannot keep '%s': %s", origin, name, reasons[why]);
	}
	if (e < 0) {
		errno = -e;
		return errmsg_set(err, size, "%s: %m", origin);
	}
	/* The bounding set's entries that could not be dropped (no
	 * CAP_SETPCAP) are out of the job's reach all the same. */
	p->no_new_privs = p->no_new_privs || p->caps.no_new_privs;
	return 0;
}

/* Whether every id of a is one of b. Quadratic, but both lists are at
 * most ACCOUNT_GROUPS_MAX long and this runs once, before fork. */
static bool ids_within(const gid_t *a, size_t a_count, const gid_t *b, size_t b_count)
{
	for (size_t i = 0; i < a_count; i++) {
		size_t j = 0;
		while (j < b_count && b[j] != a[i])
			j++;
		if (j == b_count)
			return false;
	}
	return true;
}

static bool id_held(unsigned id, const unsigned ids[3])
{
	return id == ids[0] || id == ids[1] || id == ids[2];
}

static void need(struct privs_steps *s, const struct privs_ids *now, int cap,
		 enum privs_step step)
{
	if (s->need_cap < 0 && (now->effective & CAPS_BIT(cap)) == 0) {
		s->need_cap = cap;
		s->need_step = (int)step;
	}
}

/* Which privilege the planned steps need that reaper lacks (restricted
 * profiles: OpenShift's arbitrary uid holds none). Unprivileged,
 * setresuid and setresgid may only pick ids we already have. Reaper
 * signals the job with its real or effective uid, or with CAP_KILL: without
 * CAP_KILL (Kubernetes' drop [ALL]) it takes the job's uid as its
 * effective uid once the job runs, which needs what the job's own uid step
 * needs (checked above), so it is no refusal of its own. */
static void plan_needs(const struct privs_ids *now, struct privs *p)
{
	struct privs_steps *s = &p->steps;
	const unsigned uids[3] = {now->uid[0], now->uid[1], now->uid[2]};
	const unsigned gids[3] = {now->gid[0], now->gid[1], now->gid[2]};

	if (s->set_groups)
		need(s, now, CAP_SETGID, PRIVS_GROUPS);
	if (s->set_gid && !id_held(p->gid, gids))
		need(s, now, CAP_SETGID, PRIVS_GID);
	if (s->set_uid && !id_held(p->uid, uids))
		need(s, now, CAP_SETUID, PRIVS_UID);
	s->signal_as_uid = p->uid != now->uid[0] && p->uid != now->uid[1] &&
			   (now->permitted & CAPS_BIT(CAP_KILL)) == 0;
}

void privs_plan_ids(const struct privs_ids *now, struct privs *p)
{
	struct privs_steps *s = &p->steps;

	*s = (struct privs_steps){.need_cap = -1};
	s->set_groups = !ids_within(now->groups, now->group_count, p->groups, p->group_count) ||
			!ids_within(p->groups, p->group_count, now->groups, now->group_count);
	/* Saved, effective, then real: the proof tries the real id when it
	 * changed (the one a plain setuid binary would go back to). */
	for (int i = 2; i >= 0; i--) {
		if (now->uid[i] != p->uid) {
			s->set_uid = true;
			s->old_uid = now->uid[i];
		}
		if (now->gid[i] != p->gid) {
			s->set_gid = true;
			s->old_gid = now->gid[i];
		}
	}
	s->prove_uid = s->set_uid && (p->keep & CAPS_BIT(CAP_SETUID)) == 0;
	/* A child that is root can take any gid back: nothing to prove. */
	s->prove_gid = s->set_gid && (p->keep & CAPS_BIT(CAP_SETGID)) == 0 && p->uid != 0;
	plan_needs(now, p);
}

/* Read the ids reaper runs with (the child inherits them) and plan which
 * of --user's steps the child needs. 0 or -errno. */
static int plan_ids(struct privs *p, const struct caps_now *caps)
{
	struct privs_ids now = {.effective = caps->effective, .permitted = caps->permitted};
	int count = getgroups(0, NULL);
	if (count < 0)
		return -errno;
	gid_t *groups = calloc((size_t)count + 1, sizeof(gid_t));
	if (groups == NULL)
		return -ENOMEM;
	count = getgroups(count, groups);
	int e = count < 0 || getresuid(&now.uid[0], &now.uid[1], &now.uid[2]) < 0 ||
			getresgid(&now.gid[0], &now.gid[1], &now.gid[2]) < 0 ? -errno : 0;
	if (e == 0) {
		now.groups = groups;
		now.group_count = (size_t)count;
		privs_plan_ids(&now, p);
	}
	free(groups);
	return e;
}

/* The privilege a --user step needs and reaper lacks, as one line. */
static int fail_needs(const struct privs *p, const char *origin, char *err, size_t size)
{
	char name[32];

	caps_name(p->steps.need_cap, name, sizeof(name));
	return errmsg_set(err, size, "%s: cannot %s: reaper does not hold %s", origin,
		    privs_step_name((enum privs_step)p->steps.need_step), name);
}

int privs_prepare(const struct config *cfg, bool has_tty, struct privs *p, char *err,
		  size_t err_size)
{
	struct caps_now now;
	int e;

	memset(p, 0, sizeof(*p));
	p->no_new_privs = cfg->no_new_privs;
	if (cfg->user_spec != NULL &&
	    prepare_user(cfg->user_spec, cfg->user_origin, p, err, err_size) < 0)
		return -1;
	if (cfg->caps_spec != NULL &&
	    prepare_caps(cfg->caps_spec, cfg->caps_origin, p, err, err_size) < 0)
		return -1;
	if (!p->change_ids && !p->set_caps)
		return 0;
	if ((e = caps_read_own(&now)) < 0) {
		errno = -e;
		return errmsg_set(err, err_size, "%s: cannot read our capabilities: %m",
			    p->set_caps ? cfg->caps_origin : cfg->user_origin);
	}
	if (p->set_caps && plan_caps(p, &now, cfg->caps_origin, err, err_size) < 0)
		return -1;
	/* After the caps: whether the old ids must be proven gone depends on
	 * whether CAP_SETUID/CAP_SETGID are kept. */
	if (p->change_ids && (e = plan_ids(p, &now)) < 0) {
		errno = -e;
		return errmsg_set(err, err_size, "%s: cannot read our own ids: %m", cfg->user_origin);
	}
	if (p->change_ids && p->steps.need_cap >= 0)
		return fail_needs(p, cfg->user_origin, err, err_size);
	/* A child that drops privileges must not share our controlling
	 * terminal: with it, TIOCSTI could push keystrokes into root's shell. */
	p->new_session = p->change_ids && has_tty;
	return 0;
}

bool privs_explain_exec(const struct privs *p, char *const *candidates, char *buf, size_t size)
{
	struct caps_now now;
	uint64_t bounding = p->caps.bounding, file;
	struct stat st;
	char names[256];

	if (!p->set_caps) {
		if (caps_read_own(&now) < 0) /* the bounding set we gave the child */
			return false;
		bounding = now.bounding;
	}
	/* The first candidate that is a file is the one exec ran into. */
	for (size_t i = 0; candidates != NULL && candidates[i] != NULL; i++) {
		if (stat(candidates[i], &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (caps_of_file(candidates[i], &file) < 0 || (file & ~bounding) == 0)
			return false;
		caps_names(file & ~bounding, names, sizeof(names));
		snprintf(buf, size, "its file capabilities (%s) exceed %s", names,
			 p->set_caps ? "what --caps allows" : "reaper's bounding set");
		return true;
	}
	return false;
}

void privs_free(struct privs *p)
{
	free(p->groups);
	free(p->home_env);
	memset(p, 0, sizeof(*p));
}

#define STEP(s, call) do { if ((call) < 0) { *step = (s); return -errno; } } while (0)

static int apply_ids(const struct privs *p, enum privs_step *step)
{
	const struct privs_steps *s = &p->steps;

	if (p->set_caps)
		STEP(PRIVS_KEEPCAPS, prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
	/* Skipped when already true: setgroups needs CAP_SETGID even to set
	 * the groups we have, which a nested reaper no longer holds. */
	if (s->set_groups)
		STEP(PRIVS_GROUPS, syscall(SYS_setgroups, p->group_count, p->groups));
	if (s->set_gid)
		STEP(PRIVS_GID, syscall(SYS_setresgid, p->gid, p->gid, p->gid));
	if (s->set_uid)
		STEP(PRIVS_UID, syscall(SYS_setresuid, p->uid, p->uid, p->uid));
	/* Prove it: unless the user asked to keep CAP_SETUID/CAP_SETGID, the
	 * old ids must be out of reach now. */
	if (s->prove_uid && syscall(SYS_setresuid, s->old_uid, s->old_uid, s->old_uid) == 0) {
		*step = PRIVS_REGAIN;
		return -EPERM;
	}
	if (s->prove_gid && syscall(SYS_setresgid, s->old_gid, s->old_gid, s->old_gid) == 0) {
		*step = PRIVS_REGAIN;
		return -EPERM;
	}
	return 0;
}

/* The capability steps, prepared by caps_plan before fork. */
static int apply_caps(const struct privs *p, enum privs_step *step)
{
	static const enum privs_step steps[] = {
		[CAPS_STEP_BOUNDING] = PRIVS_BOUNDING,
		[CAPS_STEP_SET] = PRIVS_CAPS,
		[CAPS_STEP_AMBIENT] = PRIVS_AMBIENT,
	};
	enum caps_step caps_step;
	int err = caps_apply_child(&p->caps, &caps_step);

	if (err < 0)
		*step = steps[caps_step];
	return err;
}

int privs_apply_child(const struct privs *p, enum privs_step *step)
{
	int err;

	if (p->change_ids && (err = apply_ids(p, step)) < 0)
		return err;
	if (p->set_caps && (err = apply_caps(p, step)) < 0)
		return err;
	if (p->no_new_privs)
		STEP(PRIVS_NO_NEW_PRIVS, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	return 0;
}

/* kill(2) lets a sender whose real or effective uid is the target's real
 * or saved uid signal it: the job's uid as our effective uid is enough,
 * and the job, with all three ids its own, has no way back to ours. First,
 * while CAP_SETUID is effective; the kernel then clears our effective set
 * (an euid other than 0), which caps_drop_own empties next anyway. */
static void take_job_uid(const struct privs *p)
{
	if (p == NULL || !p->change_ids || !p->steps.signal_as_uid)
		return;
	if (setresuid((uid_t)-1, p->uid, (uid_t)-1) < 0)
		log_msg(LOG_WARN, "cannot take uid %u to signal the job (no cap_kill): %m",
			(unsigned)p->uid);
}

void privs_drop_own(const struct privs *p)
{
	take_job_uid(p);
	int err = caps_drop_own(true);

	if (err < 0)
		log_err(LOG_WARN, err, "cannot drop our own capabilities: %m");
}
