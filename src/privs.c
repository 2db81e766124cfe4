/*
 * privs: ids, groups and capabilities, for the child and for reaper.
 *
 * Owns: reading /etc/passwd and /etc/group (never NSS, so the static build
 * resolves names too). Never: a library call in the child but plain
 * system call wrappers: it shares our memory until exec, so the ids change
 * with raw system calls (glibc's set*id wrappers would signal and wait
 * for our threads; the kernel changes the calling process alone, which is
 * what we want). User lookups happen in privs_prepare, before the child.
 * Invariant: a child that was asked to drop root cannot get it back;
 * privs_apply_child proves it before exec.
 */
#include "privs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "cli.h"
#include "log.h"
#include "passwd.h"

#define FILE_MAX (1 << 20) /* larger passwd or group files are refused */
#define GROUPS_MAX 4096

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

static int fail(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return -1;
}

/* The whole file as a NUL-terminated string (caller frees); "" when it
 * does not exist, since a numeric id needs no entry. NULL on error. */
static char *read_text(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? strdup("") : NULL;
	char *text = malloc(FILE_MAX + 1);
	size_t len = 0;
	ssize_t n = 1;
	while (text != NULL && len < FILE_MAX && n > 0) {
		n = read(fd, text + len, FILE_MAX - len);
		if (n < 0 && errno == EINTR)
			n = 1;
		else if (n > 0)
			len += (size_t)n;
	}
	int saved = errno;
	(void)close(fd); /* read-only */
	if (text == NULL || n < 0) {
		free(text);
		errno = saved;
		return NULL;
	}
	text[len] = '\0';
	return text;
}

/* Whether HOME should follow --user: when it is unset, or when it is just
 * the home of the user reaper runs as (Docker sets HOME=/root for a root
 * image; keeping it would point the new user at root's home). A HOME set
 * to anything else was chosen by the caller and is left alone. */
static bool home_is_inherited(const char *passwd)
{
	const char *home = getenv("HOME");
	char uid_text[16];
	struct passwd_user self;

	if (home == NULL)
		return true;
	snprintf(uid_text, sizeof(uid_text), "%u", (unsigned)getuid());
	return passwd_find_user(passwd, uid_text, &self) == 0 && self.found &&
	       strcmp(self.home, home) == 0;
}

/* USER[:GROUP] -> ids, groups and HOME. */
static int prepare_user(const char *spec, const char *origin, struct privs *p, char *err,
			size_t size)
{
	char user_spec[PASSWD_NAME_MAX], *group_spec = NULL;
	struct passwd_user user;

	if (strlen(spec) >= sizeof(user_spec))
		return fail(err, size, "%s: '%s' is too long", origin, spec);
	strcpy(user_spec, spec);
	char *colon = strchr(user_spec, ':');
	if (colon != NULL) {
		*colon = '\0';
		group_spec = colon + 1;
	}
	if (user_spec[0] == '\0' || (group_spec != NULL && group_spec[0] == '\0'))
		return fail(err, size, "%s: '%s' is not USER[:GROUP]", origin, spec);

	char *passwd = read_text("/etc/passwd");
	char *group = read_text("/etc/group");
	int rc = 0;
	if (passwd == NULL || group == NULL) {
		rc = fail(err, size, "%s: cannot read %s: %m", origin,
			  passwd == NULL ? "/etc/passwd" : "/etc/group");
		goto out;
	}
	int e = passwd_find_user(passwd, user_spec, &user);
	if (e < 0) {
		rc = fail(err, size, "%s: %s user '%s'", origin,
			  e == -ENOENT ? "unknown" : e == -ENAMETOOLONG ? "too long an entry for"
									: "invalid",
			  user_spec);
		goto out;
	}
	p->uid = user.uid;
	p->gid = user.gid;
	if (group_spec != NULL && (e = passwd_find_group(group, group_spec, &p->gid)) < 0) {
		rc = fail(err, size, "%s: %s group '%s'", origin,
			  e == -ENOENT ? "unknown" : "invalid", group_spec);
		goto out;
	}
	/* A numeric uid with no entry gets no supplementary groups at all. */
	p->groups = calloc(GROUPS_MAX, sizeof(gid_t));
	if (p->groups == NULL) {
		errno = ENOMEM;
		rc = fail(err, size, "%s: %m", origin);
		goto out;
	}
	p->group_count = user.found ? passwd_user_groups(group, user.name, p->gid, p->groups,
							 GROUPS_MAX) : 0;
	if (p->group_count > GROUPS_MAX)
		p->group_count = GROUPS_MAX;
	if (user.home[0] != '\0' && home_is_inherited(passwd) &&
	    asprintf(&p->home_env, "HOME=%s", user.home) < 0)
		p->home_env = NULL;
	p->change_ids = true;
out:
	free(passwd);
	free(group);
	return rc;
}

/* "none" or a comma list of capability names ("chown", "CAP_CHOWN"). */
static int prepare_caps(const char *spec, const char *origin, struct privs *p, char *err,
			size_t size)
{
	if (strcasecmp(spec, "none") != 0) {
		for (const char *s = spec;;) {
			size_t len = strcspn(s, ",");
			if (len == 0)
				return fail(err, size, "%s: '%s' is not a list of capabilities",
					    origin, spec);
			int cap = caps_from_name(s, len);
			if (cap < 0)
				return fail(err, size, "%s: unknown capability '%.*s'", origin,
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

/* Our bounding set, asked one number at a time (the kernel answers
 * EINVAL past its last). 0, or -1 with errno. */
static int read_bounding(uint64_t *bounding)
{
	*bounding = 0;
	for (int c = 0; c < CAPS_MAX; c++) {
		int held = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
		if (held < 0)
			return errno == EINVAL ? 0 : -1;
		if (held > 0)
			*bounding |= CAPS_BIT(c);
	}
	return 0;
}

/* A capability we do not hold cannot be kept, nor the bounding set
 * dropped without CAP_SETPCAP: say which, before fork, instead of a bare
 * EPERM from the child. Decides whether the bounding set needs dropping
 * at all (not when it holds only kept ones: a nested reaper). */
static int check_caps_held(struct privs *p, const char *origin, char *err, size_t size)
{
	struct caps_sets own;
	uint64_t bounding;

	if (caps_get(&own) < 0 || read_bounding(&bounding) < 0)
		return fail(err, size, "%s: cannot read our capabilities: %m", origin);
	uint64_t missing = p->keep & ~own.permitted;
	uint64_t extra = bounding & ~p->keep;
	p->steps.drop_bounding = extra != 0;
	if (missing == 0 && (extra == 0 || (own.permitted & CAPS_BIT(CAP_SETPCAP)) != 0))
		return 0;
	const char *name = caps_name(__builtin_ctzll(missing != 0 ? missing : extra)); /* the lowest */
	if (missing == 0)
		return fail(err, size, "%s: cannot drop '%s' from the bounding set: "
			    "reaper does not hold cap_setpcap", origin, name != NULL ? name : "?");
	return fail(err, size, "%s: cannot keep '%s': reaper does not hold it", origin,
		    name != NULL ? name : "?");
}

/* Whether every id of a is one of b. Quadratic, but both lists are at
 * most GROUPS_MAX long and this runs once, before fork. */
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

void privs_plan_ids(const struct privs_ids *now, struct privs *p)
{
	struct privs_steps *s = &p->steps;

	*s = (struct privs_steps){.drop_bounding = s->drop_bounding};
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
}

/* Read the ids reaper runs with (the child inherits them) and plan which
 * of --user's steps the child needs. 0, or -1 with errno. */
static int plan_ids(struct privs *p)
{
	struct privs_ids now = {0};
	int count = getgroups(0, NULL);
	gid_t *groups = count >= 0 ? calloc((size_t)count + 1, sizeof(gid_t)) : NULL;

	if (groups == NULL)
		return -1;
	count = getgroups(count, groups);
	if (count < 0 || getresuid(&now.uid[0], &now.uid[1], &now.uid[2]) < 0 ||
	    getresgid(&now.gid[0], &now.gid[1], &now.gid[2]) < 0) {
		int saved = errno;
		free(groups);
		errno = saved;
		return -1;
	}
	now.groups = groups;
	now.group_count = (size_t)count;
	privs_plan_ids(&now, p);
	free(groups);
	return 0;
}

int privs_prepare(const struct config *cfg, bool has_tty, struct privs *p, char *err,
		  size_t err_size)
{
	memset(p, 0, sizeof(*p));
	p->no_new_privs = cfg->no_new_privs;
	if (cfg->user_spec != NULL &&
	    prepare_user(cfg->user_spec, cfg->user_origin, p, err, err_size) < 0)
		return -1;
	if (cfg->caps_spec != NULL &&
	    (prepare_caps(cfg->caps_spec, cfg->caps_origin, p, err, err_size) < 0 ||
	     check_caps_held(p, cfg->caps_origin, err, err_size) < 0))
		return -1;
	/* After the caps: whether the old ids must be proven gone depends on
	 * whether CAP_SETUID/CAP_SETGID are kept. */
	if (p->change_ids && plan_ids(p) < 0)
		return fail(err, err_size, "%s: cannot read our own ids: %m", cfg->user_origin);
	/* A child that drops privileges must not share our controlling
	 * terminal: with it, TIOCSTI could push keystrokes into root's shell. */
	p->new_session = p->change_ids && has_tty;
	return 0;
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

/* Raise CAP_SETPCAP beside the kept ones while the bounding set is
 * dropped (that needs it). */
static int drop_bounding(const struct privs *p, enum privs_step *step)
{
	const struct caps_sets raise = {
		.effective = p->keep | CAPS_BIT(CAP_SETPCAP),
		.permitted = p->keep | CAPS_BIT(CAP_SETPCAP),
		.inheritable = p->keep,
	};

	STEP(PRIVS_CAPS, caps_set(&raise));
	/* Every number the kernel knows: it answers EINVAL past its last. */
	for (int c = 0; c < CAPS_MAX; c++) {
		if ((p->keep & CAPS_BIT(c)) != 0)
			continue;
		if (caps_drop_bound(c) < 0) {
			if (errno == EINVAL)
				break;
			*step = PRIVS_BOUNDING;
			return -errno;
		}
	}
	return 0;
}

/* Drop the bounding set where it holds more than the kept ones (a reaper
 * nested under one that applied the same --caps has nothing to drop, and
 * as another user than root may not hold CAP_SETPCAP), then settle on
 * exactly the kept ones, in every set the child's exec can carry them
 * through: ambient last. */
static int apply_caps(const struct privs *p, enum privs_step *step)
{
	const struct caps_sets final = {
		.effective = p->keep, .permitted = p->keep, .inheritable = p->keep,
	};
	int err;

	if (p->steps.drop_bounding && (err = drop_bounding(p, step)) < 0)
		return err;
	STEP(PRIVS_CAPS, caps_set(&final));
	STEP(PRIVS_AMBIENT, caps_clear_ambient());
	for (int c = 0; c < CAPS_MAX; c++)
		if ((p->keep & CAPS_BIT(c)) != 0)
			STEP(PRIVS_AMBIENT, caps_raise_ambient(c));
	return 0;
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

/* Reaper's own sets, in one capset where we hold CAP_KILL (root, or a
 * container's default set): asking to keep it alone is refused with EPERM
 * only when we do not hold it, and then we drop everything (a no-op when
 * we hold nothing). */
void privs_drop_own(void)
{
	const struct caps_sets kill_only = {
		.effective = CAPS_BIT(CAP_KILL), .permitted = CAPS_BIT(CAP_KILL), .inheritable = 0,
	};
	const struct caps_sets none = {0, 0, 0};

	if (caps_set(&kill_only) < 0 && (errno != EPERM || caps_set(&none) < 0))
		log_msg(LOG_WARN, "cannot drop our own capabilities: %m");
}
