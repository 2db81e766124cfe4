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

/* A capability we do not hold cannot be kept: say which, before fork,
 * instead of a bare EPERM from the child. */
static int check_caps_held(const struct privs *p, const char *origin, char *err, size_t size)
{
	struct caps_sets own;

	if (caps_get(&own) < 0)
		return fail(err, size, "%s: cannot read our capabilities: %m", origin);
	uint64_t missing = p->keep & ~own.permitted;
	if (missing == 0)
		return 0;
	const char *name = caps_name(__builtin_ctzll(missing)); /* the lowest one */
	return fail(err, size, "%s: cannot keep '%s': reaper does not hold it", origin,
		    name != NULL ? name : "?");
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
	uid_t old_uid = getuid();
	gid_t old_gid = getgid();

	if (p->set_caps)
		STEP(PRIVS_KEEPCAPS, prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
	STEP(PRIVS_GROUPS, syscall(SYS_setgroups, p->group_count, p->groups));
	STEP(PRIVS_GID, syscall(SYS_setresgid, p->gid, p->gid, p->gid));
	STEP(PRIVS_UID, syscall(SYS_setresuid, p->uid, p->uid, p->uid));
	/* Prove it: unless the user asked to keep CAP_SETUID/CAP_SETGID, the
	 * old ids must be out of reach now. */
	if (old_uid != p->uid && (p->keep & CAPS_BIT(CAP_SETUID)) == 0 &&
	    syscall(SYS_setresuid, old_uid, old_uid, old_uid) == 0) {
		*step = PRIVS_REGAIN;
		return -EPERM;
	}
	if (old_gid != p->gid && (p->keep & CAPS_BIT(CAP_SETGID)) == 0 && p->uid != 0 &&
	    syscall(SYS_setresgid, old_gid, old_gid, old_gid) == 0) {
		*step = PRIVS_REGAIN;
		return -EPERM;
	}
	return 0;
}

/* Raise CAP_SETPCAP beside the kept ones while the bounding set is
 * dropped (that needs it), then settle on exactly the kept ones, in every
 * set the child's exec can carry them through: ambient last. */
static int apply_caps(const struct privs *p, enum privs_step *step)
{
	const struct caps_sets final = {
		.effective = p->keep, .permitted = p->keep, .inheritable = p->keep,
	};
	struct caps_sets raise = final;

	raise.effective |= CAPS_BIT(CAP_SETPCAP);
	raise.permitted |= CAPS_BIT(CAP_SETPCAP);

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
