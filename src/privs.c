/*
 * privs: ids, groups and capabilities, for the child and for reaper.
 *
 * Owns: reading /etc/passwd and /etc/group (never NSS, so the static build
 * resolves names too) and the libcap objects. Never: a library call that
 * allocates in the child; user lookups happen in privs_prepare, before
 * fork. Invariant: a child that was asked to drop root cannot get it back;
 * privs_apply_child proves it before exec.
 */
#include "privs.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

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
		rc = fail(err, size, "%s: cannot read %s: %s", origin,
			  passwd == NULL ? "/etc/passwd" : "/etc/group", strerror(errno));
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
		rc = fail(err, size, "%s: %s", origin, strerror(ENOMEM));
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

/* "none" or a comma list of names libcap knows ("chown", "CAP_CHOWN"). */
static int prepare_caps(const char *spec, const char *origin, struct privs *p, char *err,
			size_t size)
{
	if (strcasecmp(spec, "none") != 0) {
		char name[64];
		for (const char *s = spec;;) {
			size_t len = strcspn(s, ",");
			if (len == 0 || len >= sizeof(name) - 4)
				return fail(err, size, "%s: '%s' is not a list of capabilities",
					    origin, spec);
			/* libcap wants lower case; accept any, with or without cap_ */
			size_t off = strncasecmp(s, "cap_", 4) == 0 ? 0 : 4;
			memcpy(name, "cap_", 4);
			for (size_t i = 0; i < len; i++)
				name[off + i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
			name[off + len] = '\0';
			cap_value_t cap;
			if (cap_from_name(name, &cap) < 0 || cap < 0 || cap >= PRIVS_CAP_SLOTS)
				return fail(err, size, "%s: unknown capability '%.*s'", origin,
					    (int)len, s);
			p->keep[cap] = true;
			if (s[len] == '\0')
				break;
			s += len + 1;
		}
	}
	p->raise_caps = cap_init();
	p->final_caps = cap_init();
	if (p->raise_caps == NULL || p->final_caps == NULL)
		return fail(err, size, "%s: %s", origin, strerror(errno));
	for (cap_value_t c = 0; c < PRIVS_CAP_SLOTS; c++) {
		if (!p->keep[c])
			continue;
		cap_value_t one[1] = {c};
		static const cap_flag_t flags[] = {CAP_PERMITTED, CAP_EFFECTIVE, CAP_INHERITABLE};
		for (size_t f = 0; f < 3; f++)
			if (cap_set_flag(p->final_caps, flags[f], 1, one, CAP_SET) < 0 ||
			    cap_set_flag(p->raise_caps, flags[f], 1, one, CAP_SET) < 0)
				return fail(err, size, "%s: %s", origin, strerror(errno));
	}
	cap_value_t setpcap[1] = {CAP_SETPCAP};
	if (cap_set_flag(p->raise_caps, CAP_PERMITTED, 1, setpcap, CAP_SET) < 0 ||
	    cap_set_flag(p->raise_caps, CAP_EFFECTIVE, 1, setpcap, CAP_SET) < 0)
		return fail(err, size, "%s: %s", origin, strerror(errno));
	p->set_caps = true;
	return 0;
}

/* A capability we do not hold cannot be kept: say which, before fork,
 * instead of a bare EPERM from the child. */
static int check_caps_held(const struct privs *p, const char *origin, char *err, size_t size)
{
	cap_t own = cap_get_proc();
	int rc = 0;

	if (own == NULL)
		return fail(err, size, "%s: cannot read our capabilities: %s", origin, strerror(errno));
	for (cap_value_t c = 0; c < PRIVS_CAP_SLOTS && rc == 0; c++) {
		cap_flag_value_t held = CAP_CLEAR;
		if (!p->keep[c])
			continue;
		if (cap_get_flag(own, c, CAP_PERMITTED, &held) < 0 || held != CAP_SET) {
			char *name = cap_to_name(c);
			rc = fail(err, size, "%s: cannot keep '%s': reaper does not hold it", origin,
				  name != NULL ? name : "?");
			(void)cap_free(name); /* a string from libcap */
		}
	}
	(void)cap_free(own);
	return rc;
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
	if (p->raise_caps != NULL)
		(void)cap_free(p->raise_caps); /* cannot fail for a cap_t */
	if (p->final_caps != NULL)
		(void)cap_free(p->final_caps);
	memset(p, 0, sizeof(*p));
}

#define STEP(s, call) do { if ((call) < 0) { *step = (s); return -errno; } } while (0)

static int apply_ids(const struct privs *p, enum privs_step *step)
{
	uid_t old_uid = getuid();
	gid_t old_gid = getgid();

	if (p->set_caps)
		STEP(PRIVS_KEEPCAPS, prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
	STEP(PRIVS_GROUPS, setgroups(p->group_count, p->groups));
	STEP(PRIVS_GID, setresgid(p->gid, p->gid, p->gid));
	STEP(PRIVS_UID, setresuid(p->uid, p->uid, p->uid));
	/* Prove it: unless the user asked to keep CAP_SETUID/CAP_SETGID, the
	 * old ids must be out of reach now. */
	if (old_uid != p->uid && !p->keep[CAP_SETUID] && setresuid(old_uid, old_uid, old_uid) == 0) {
		*step = PRIVS_REGAIN;
		return -EPERM;
	}
	if (old_gid != p->gid && !p->keep[CAP_SETGID] && p->uid != 0 &&
	    setresgid(old_gid, old_gid, old_gid) == 0) {
		*step = PRIVS_REGAIN;
		return -EPERM;
	}
	return 0;
}

static int apply_caps(const struct privs *p, enum privs_step *step)
{
	STEP(PRIVS_CAPS, cap_set_proc(p->raise_caps));
	for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits(); c++)
		if (c >= PRIVS_CAP_SLOTS || !p->keep[c])
			STEP(PRIVS_BOUNDING, cap_drop_bound(c));
	STEP(PRIVS_CAPS, cap_set_proc(p->final_caps));
	STEP(PRIVS_AMBIENT, cap_reset_ambient());
	for (cap_value_t c = 0; c < PRIVS_CAP_SLOTS; c++)
		if (p->keep[c])
			STEP(PRIVS_AMBIENT, cap_set_ambient(c, CAP_SET));
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

/* Reaper's own set, with the raw system calls: two of them instead of
 * libcap's four capget and a capset, on every start. */
void privs_drop_own(void)
{
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &header, data) < 0) {
		log_msg(LOG_WARN, "cannot read our capabilities: %m");
		return;
	}
	bool any = false;
	for (size_t i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		any = any || data[i].permitted != 0 || data[i].inheritable != 0;
	if (!any)
		return; /* we hold none: nothing to drop */
	uint32_t kill_bit = (uint32_t)1 << (CAP_KILL % 32);
	bool had_kill = (data[CAP_KILL / 32].permitted & kill_bit) != 0;
	memset(data, 0, sizeof(data));
	if (had_kill) {
		data[CAP_KILL / 32].permitted = kill_bit;
		data[CAP_KILL / 32].effective = kill_bit;
	}
	if (syscall(SYS_capset, &header, data) < 0)
		log_msg(LOG_WARN, "cannot drop our own capabilities: %m");
}
