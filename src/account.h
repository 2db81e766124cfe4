/*
 * account: who --user's USER[:GROUP] is: uid, gid, supplementary groups
 * and home, read from /etc/passwd and /etc/group (never NSS, so the
 * static build resolves names too; the parsing is passwd.c's).
 *
 * Runs before fork only: it reads files and allocates.
 */
#ifndef REAPER_ACCOUNT_H
#define REAPER_ACCOUNT_H

#include <stddef.h>
#include <sys/types.h>

/* The most supplementary groups taken from /etc/group. */
#define ACCOUNT_GROUPS_MAX 4096

struct account {
	uid_t uid;
	gid_t gid;               /* GROUP's, else the user's primary group */
	gid_t *groups;           /* supplementary groups (caller frees) */
	size_t group_count;      /* 0 for a numeric uid with no entry */
	char *home_env;          /* "HOME=<home>" (caller frees) when HOME should
				  * follow the user (unset, or our own user's
				  * home), else NULL */
};

/* Resolve spec (USER[:GROUP], names or numbers) into a. Returns 0, or -1
 * with one line in err naming origin (the option or variable) and the bad
 * part; a then holds nothing to free. Sets errno only through the calls
 * it makes. */
int account_resolve(const char *spec, const char *origin, struct account *a, char *err,
		    size_t size);

#endif
