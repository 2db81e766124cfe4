/*
 * passwd: look users and groups up in the text of /etc/passwd and
 * /etc/group, the way a static binary with no NSS must.
 *
 * Pure: the caller reads the files; these functions only parse the text
 * they are given (NUL-terminated, one entry per line, ':'-separated; NULL
 * reads as an empty file), make no system call and allocate nothing. Names match exactly; a purely
 * numeric spec is an id, which need not have an entry.
 */
#ifndef REAPER_PASSWD_H
#define REAPER_PASSWD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PASSWD_NAME_MAX 64
#define PASSWD_HOME_MAX 256

struct passwd_user {
	bool found;                     /* an entry exists (always, for a name) */
	char name[PASSWD_NAME_MAX];     /* "" for a numeric uid with no entry */
	uid_t uid;
	gid_t gid;                      /* primary group; 0 without an entry */
	char home[PASSWD_HOME_MAX];     /* "" without an entry */
};

/* Find spec (a name, or a decimal uid) in passwd_text. 0, -ENOENT for an
 * unknown name, -EINVAL for a malformed spec, -ERANGE for an id too large,
 * -ENAMETOOLONG when the entry's name or home would not fit. */
int passwd_find_user(const char *passwd_text, const char *spec, struct passwd_user *user);

/* Find spec (a name, or a decimal gid) in group_text. Same returns. */
int passwd_find_group(const char *group_text, const char *spec, gid_t *gid);

/*
 * The supplementary groups of user name: primary first, then every group
 * whose member list names the user, without duplicates. Writes at most max
 * ids and returns how many it wrote, or max + 1 when there were more (the
 * caller checks).
 */
size_t passwd_user_groups(const char *group_text, const char *name, gid_t primary,
			  gid_t *groups, size_t max);

#endif
