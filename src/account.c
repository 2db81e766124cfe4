/*
 * account: --user's USER[:GROUP] from /etc/passwd and /etc/group (see
 * account.h).
 *
 * Owns: reading those two files, and whether HOME follows the user.
 * Never: NSS (getpwnam and friends), which the static build cannot use.
 */
#include "account.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errmsg.h"
#include "passwd.h"
#include "sysio.h"

#define FILE_MAX (1 << 20) /* larger passwd or group files are cut there */

/* The whole file as a NUL-terminated string into *text (caller frees);
 * "" when it does not exist, since a numeric id needs no entry. 0 or
 * -errno (*text NULL). */
static int read_text(const char *path, char **text)
{
	*text = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			return -errno;
		*text = strdup("");
		return *text == NULL ? -ENOMEM : 0;
	}
	char *buf = malloc(FILE_MAX + 1);
	size_t len = 0;
	ssize_t n = buf == NULL ? -ENOMEM : 1;
	while (n > 0 && len < FILE_MAX) {
		n = sysio_read(fd, buf + len, FILE_MAX - len);
		if (n > 0)
			len += (size_t)n;
	}
	(void)close(fd); /* read-only */
	if (n < 0) {
		free(buf);
		return (int)n;
	}
	buf[len] = '\0';
	*text = buf;
	return 0;
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

int account_resolve(const char *spec, const char *origin, struct account *a, char *err,
		    size_t size)
{
	char user_spec[PASSWD_NAME_MAX], *group_spec = NULL;
	struct passwd_user user;

	*a = (struct account){.groups = NULL};
	if (strlen(spec) >= sizeof(user_spec))
		return errmsg_set(err, size, "%s: '%s' is too long", origin, spec);
	strcpy(user_spec, spec);
	char *colon = strchr(user_spec, ':');
	if (colon != NULL) {
		*colon = '\0';
		group_spec = colon + 1;
	}
	if (user_spec[0] == '\0' || (group_spec != NULL && group_spec[0] == '\0'))
		return errmsg_set(err, size, "%s: '%s' is not USER[:GROUP]", origin, spec);

	char *passwd, *group = NULL;
	const char *path = "/etc/passwd";
	int rc = 0, e = read_text(path, &passwd);
	if (e == 0)
		e = read_text(path = "/etc/group", &group);
	if (e < 0) {
		errno = -e;
		rc = errmsg_set(err, size, "%s: cannot read %s: %m", origin, path);
		goto out;
	}
	e = passwd_find_user(passwd, user_spec, &user);
	if (e < 0) {
		rc = errmsg_set(err, size, "%s: %s user '%s'", origin,
			  e == -ENOENT ? "unknown" : e == -ENAMETOOLONG ? "too long an entry for"
									: "invalid",
			  user_spec);
		goto out;
	}
	a->uid = user.uid;
	a->gid = user.gid;
	if (group_spec != NULL && (e = passwd_find_group(group, group_spec, &a->gid)) < 0) {
		rc = errmsg_set(err, size, "%s: %s group '%s'", origin,
			  e == -ENOENT ? "unknown" : "invalid", group_spec);
		goto out;
	}
	/* A numeric uid with no entry gets no supplementary groups at all. */
	a->groups = calloc(ACCOUNT_GROUPS_MAX, sizeof(gid_t));
	if (a->groups == NULL) {
		errno = ENOMEM;
		rc = errmsg_set(err, size, "%s: %m", origin);
		goto out;
	}
	a->group_count = user.found ? passwd_user_groups(group, user.name, a->gid, a->groups,
							 ACCOUNT_GROUPS_MAX) : 0;
	if (a->group_count > ACCOUNT_GROUPS_MAX)
		a->group_count = ACCOUNT_GROUPS_MAX;
	if (user.home[0] != '\0' && home_is_inherited(passwd) &&
	    asprintf(&a->home_env, "HOME=%s", user.home) < 0)
		a->home_env = NULL;
out:
	free(passwd);
	free(group);
	return rc;
}
