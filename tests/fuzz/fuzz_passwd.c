/*
 * fuzz_passwd: libFuzzer target over src/passwd.h, which reads the text of
 * /etc/passwd and /etc/group for --user / REAPER_USER (a static reaper has
 * no NSS). The files come from the image, the spec from the user: neither
 * is trusted.
 *
 * Input: USER_SPEC NUL GROUP_SPEC NUL PASSWD_TEXT NUL GROUP_TEXT (missing
 * pieces are empty). Checked besides the sanitizers: only the promised
 * return codes; names and homes NUL-terminated inside their arrays; a
 * name found is the one asked for, at the start of a line of the file;
 * no id found is (uid_t)-1 or (gid_t)-1, which set*id(2) read as "leave
 * unchanged"; and passwd_user_groups writes no more than max ids, starts
 * with the primary group, repeats none, and gives the same list whatever
 * max, cut at max with max + 1 saying "more"; a NULL text reads as "".
 */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "passwd.h"

/* A big enough max that every group list of an input fits: libFuzzer's
 * inputs are at most a few KiB, and each group line takes four bytes. */
#define GROUPS_ALL 8192

static bool is_numeric(const char *spec)
{
	return *spec != '\0' && strspn(spec, "0123456789") == strlen(spec);
}

/* name appears at the start of a line of text, followed by ':'. */
static bool has_entry(const char *text, const char *name)
{
	size_t len = strlen(name);

	for (const char *line = text; line != NULL; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (strncmp(line, name, len) == 0 && line[len] == ':')
			return true;
	}
	return false;
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void check_user(const char *passwd_text, const char *spec)
{
	struct passwd_user user;

	memset(&user, 0x5a, sizeof(user));
	int err = passwd_find_user(passwd_text, spec, &user);
	FUZZ_CHECK(err == 0 || err == -ENOENT || err == -EINVAL || err == -ERANGE ||
		   err == -ENAMETOOLONG);
	if (err == -ENOENT)
		FUZZ_CHECK(!is_numeric(spec));
	/* An entry whose name or home would be cut is refused, never shortened. */
	if (err == -ENAMETOOLONG)
		FUZZ_CHECK(is_numeric(spec) || has_entry(passwd_text, spec));
	if (err != 0)
		return;

	FUZZ_CHECK(user.found == true || user.found == false);
	FUZZ_CHECK(terminated(user.name, sizeof(user.name)));
	FUZZ_CHECK(terminated(user.home, sizeof(user.home)));
	FUZZ_CHECK(user.uid != (uid_t)-1);
	if (is_numeric(spec)) {
		FUZZ_CHECK(user.uid == (uid_t)strtoull(spec, NULL, 10));
		if (!user.found)
			FUZZ_CHECK(user.name[0] == '\0' && user.home[0] == '\0' && user.gid == 0);
	} else {
		FUZZ_CHECK(user.found);
		FUZZ_CHECK(strcmp(user.name, spec) == 0);
		FUZZ_CHECK(has_entry(passwd_text, spec));
	}
	if (user.found)
		FUZZ_CHECK(user.gid != (gid_t)-1);
}

static void check_group(const char *group_text, const char *spec)
{
	gid_t gid = (gid_t)0x5a5a5a5a;
	int err = passwd_find_group(group_text, spec, &gid);

	FUZZ_CHECK(err == 0 || err == -ENOENT || err == -EINVAL || err == -ERANGE);
	if (err == -ENOENT)
		FUZZ_CHECK(!is_numeric(spec));
	if (err != 0)
		return;
	FUZZ_CHECK(gid != (gid_t)-1);
	if (is_numeric(spec))
		FUZZ_CHECK(gid == (gid_t)strtoull(spec, NULL, 10));
	else
		FUZZ_CHECK(has_entry(group_text, spec));
}

/* passwd_user_groups into exactly max ids (AddressSanitizer sees one more). */
static size_t user_groups(const char *group_text, const char *name, gid_t primary,
			  gid_t **groups, size_t max)
{
	*groups = malloc(max * sizeof(gid_t) + 1);
	if (*groups == NULL)
		abort();
	size_t count = passwd_user_groups(group_text, name, primary, *groups, max);
	FUZZ_CHECK(count <= max + 1);
	return count;
}

static void check_user_groups(const char *group_text, const char *name, gid_t primary)
{
	gid_t *all;
	size_t total = user_groups(group_text, name, primary, &all, GROUPS_ALL);

	FUZZ_CHECK(total >= 1 && total <= GROUPS_ALL);
	FUZZ_CHECK(all[0] == primary);
	for (size_t i = 1; i < total; i++) {
		FUZZ_CHECK(all[i] != (gid_t)-1);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(all[i] != all[j]);
	}

	static const size_t maxes[] = {0, 1, 2, 3, 16};
	for (size_t m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
		size_t max = maxes[m];
		gid_t *some;
		size_t count = user_groups(group_text, name, primary, &some, max);
		FUZZ_CHECK(count == (total > max ? max + 1 : total));
		for (size_t i = 0; i < count && i < max; i++)
			FUZZ_CHECK(some[i] == all[i]);
		free(some);
	}
	free(all);
}

/* A NULL text reads as an empty file (passwd.h). */
static void check_null_text(const char *user_spec, const char *group_spec)
{
	struct passwd_user from_null, from_empty;
	gid_t gid_null = 7, gid_empty = 7;
	gid_t groups_null[2] = {0}, groups_empty[2] = {0};

	memset(&from_null, 0, sizeof(from_null));
	memset(&from_empty, 0, sizeof(from_empty));
	FUZZ_CHECK(passwd_find_user(NULL, user_spec, &from_null) ==
		   passwd_find_user("", user_spec, &from_empty));
	FUZZ_CHECK(memcmp(&from_null, &from_empty, sizeof(from_null)) == 0);
	FUZZ_CHECK(passwd_find_group(NULL, group_spec, &gid_null) ==
		   passwd_find_group("", group_spec, &gid_empty));
	FUZZ_CHECK(gid_null == gid_empty);
	FUZZ_CHECK(passwd_user_groups(NULL, user_spec, 5, groups_null, 2) ==
		   passwd_user_groups("", user_spec, 5, groups_empty, 2));
	FUZZ_CHECK(memcmp(groups_null, groups_empty, sizeof(groups_null)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *start[4];
	size_t len[4];

	for (size_t i = 0; i < 4; i++) {
		start[i] = data;
		len[i] = fuzz_next_piece(&data, &size);
	}
	char *user_spec = fuzz_strndup(start[0], len[0]);
	char *group_spec = fuzz_strndup(start[1], len[1]);
	char *passwd_text = fuzz_strndup(start[2], len[2]);
	char *group_text = fuzz_strndup(start[3], len[3]);

	check_user(passwd_text, user_spec);
	check_group(group_text, group_spec);
	check_null_text(user_spec, group_spec);

	/* As privs.c does: the user's name and primary group, or the group
	 * asked for; a spec no file knows still gets a list. */
	struct passwd_user user = {.found = false};
	gid_t primary = 0;
	const char *name = user_spec;
	if (passwd_find_user(passwd_text, user_spec, &user) == 0 && user.found) {
		name = user.name;
		primary = user.gid;
	}
	if (passwd_find_group(group_text, group_spec, &primary) < 0 && !user.found)
		primary = 0;
	check_user_groups(group_text, name, primary);

	free(user_spec);
	free(group_spec);
	free(passwd_text);
	free(group_text);
	return 0;
}
