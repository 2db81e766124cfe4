/*
 * check_passwd: the /etc/passwd and /etc/group parsers of src/passwd.h,
 * fed text directly (they make no system call). Names match exactly, so
 * each fixture puts a shorter and a longer name on either side of the one
 * looked up ("ap", "apple", "app"); malformed lines sit before good ones,
 * which must still be found; the last line has no newline. A numeric spec
 * is an id that need not have an entry; (uid_t)-1 is reserved.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "passwd.h"
#include "unit_util.h"

#define ANY_ERR 1 /* expected: some negative errno, which one is not promised */

static const char passwd_text[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"broken:x:1\n"                               /* too few fields */
	"six:x:5:5:six:/six\n"                       /* six fields */
	"nonnum:x:abc:5:nonnum:/nonnum:/bin/sh\n"    /* uid not a number */
	"badgid:x:6:x6:badgid:/badgid:/bin/sh\n"     /* gid not a number */
	"\n"
	"ap:x:999:999:Ap:/home/ap:/bin/sh\n"
	"apple:x:1001:1001:Apple:/home/apple:/bin/sh\n"
	"app:x:1000:100:App:/srv/app:/sbin/nologin\n"
	"bob:x:1002:1002::/home/bob:/bin/sh\n"
	"last:x:2000:2001:Last:/home/last:/bin/sh";  /* no trailing newline */

/* ---- passwd_find_user -------------------------------------------------- */

static const struct {
	const char *spec;
	int rc;               /* 0, a -errno, or ANY_ERR */
	bool found;
	const char *name;
	uid_t uid;
	gid_t gid;
	const char *home;
} users[] = {
	{ "root", 0, true, "root", 0, 0, "/root" },
	{ "0", 0, true, "root", 0, 0, "/root" },
	{ "app", 0, true, "app", 1000, 100, "/srv/app" },
	{ "1000", 0, true, "app", 1000, 100, "/srv/app" },
	{ "apple", 0, true, "apple", 1001, 1001, "/home/apple" },
	{ "ap", 0, true, "ap", 999, 999, "/home/ap" },
	{ "bob", 0, true, "bob", 1002, 1002, "/home/bob" },
	{ "last", 0, true, "last", 2000, 2001, "/home/last" },
	{ "2000", 0, true, "last", 2000, 2001, "/home/last" },
	/* Numeric ids without an entry (malformed lines are no entry). */
	{ "4242", 0, false, "", 4242, 0, "" },
	{ "5", 0, false, "", 5, 0, "" },
	{ "6", 0, false, "", 6, 0, "" },
	{ "2001", 0, false, "", 2001, 0, "" },
	{ "4294967294", 0, false, "", 4294967294u, 0, "" },
	/* Unknown names: only the first field of a whole line matches. */
	{ "nobody", -ENOENT, false, NULL, 0, 0, NULL },
	{ "App", -ENOENT, false, NULL, 0, 0, NULL },
	{ "appl", -ENOENT, false, NULL, 0, 0, NULL },
	{ "apples", -ENOENT, false, NULL, 0, 0, NULL },
	{ "a", -ENOENT, false, NULL, 0, 0, NULL },
	{ "x", -ENOENT, false, NULL, 0, 0, NULL },
	{ "/root", -ENOENT, false, NULL, 0, 0, NULL },
	{ "Apple", -ENOENT, false, NULL, 0, 0, NULL },
	{ "broken", -ENOENT, false, NULL, 0, 0, NULL },
	{ "six", -ENOENT, false, NULL, 0, 0, NULL },
	{ "nonnum", -ENOENT, false, NULL, 0, 0, NULL },
	{ "badgid", -ENOENT, false, NULL, 0, 0, NULL },
	/* Malformed specs and ids out of range. */
	{ "", -EINVAL, false, NULL, 0, 0, NULL },
	{ "99999999999", -ERANGE, false, NULL, 0, 0, NULL },
	{ "4294967295", -ERANGE, false, NULL, 0, 0, NULL },
	{ "4294967296", -ERANGE, false, NULL, 0, 0, NULL },
	{ "99999999999999999999999", -ERANGE, false, NULL, 0, 0, NULL },
	{ "-1", ANY_ERR, false, NULL, 0, 0, NULL },
	{ "a_name_that_is_far_too_long_to_be_any_user_name_this_system_has_1", ANY_ERR,
	  false, NULL, 0, 0, NULL },
};

START_TEST(test_find_user)
{
	struct passwd_user user;
	const char *spec = users[_i].spec;

	memset(&user, 0xa5, sizeof user);
	int rc = passwd_find_user(passwd_text, spec, &user);
	if (users[_i].rc != 0) {
		if (users[_i].rc == ANY_ERR)
			ck_assert_msg(rc < 0, "\"%s\": rc %d, want an error", spec, rc);
		else
			ck_assert_msg(rc == users[_i].rc, "\"%s\": rc %d, want %d", spec, rc,
				      users[_i].rc);
		return;
	}
	ck_assert_msg(rc == 0, "\"%s\": rc %d", spec, rc);
	ck_assert_msg(user.found == users[_i].found, "\"%s\": found %d", spec, user.found);
	ck_assert_msg(memchr(user.name, '\0', sizeof user.name) != NULL, "name unterminated");
	ck_assert_msg(memchr(user.home, '\0', sizeof user.home) != NULL, "home unterminated");
	ck_assert_str_eq(user.name, users[_i].name);
	ck_assert_uint_eq(user.uid, users[_i].uid);
	ck_assert_uint_eq(user.gid, users[_i].gid);
	ck_assert_str_eq(user.home, users[_i].home);
}
END_TEST

/* Texts with no usable entry: names are unknown, ids are still ids. */
static const char *const empty_texts[] = {
	"", "\n", "\n\n", "root", "root:x:0:0", "::::::", "root:x::0:root:/root:/bin/sh\n",
};

START_TEST(test_find_user_empty)
{
	struct passwd_user user;

	memset(&user, 0xa5, sizeof user);
	ck_assert_int_eq(passwd_find_user(empty_texts[_i], "root", &user), -ENOENT);
	memset(&user, 0xa5, sizeof user);
	ck_assert_int_eq(passwd_find_user(empty_texts[_i], "0", &user), 0);
	ck_assert(!user.found);
	ck_assert_uint_eq(user.uid, 0);
	ck_assert_uint_eq(user.gid, 0);
	ck_assert_str_eq(user.name, "");
	ck_assert_str_eq(user.home, "");
}
END_TEST

/* ---- passwd_find_group ------------------------------------------------- */

static const char group_text[] =
	"root:x:0:\n"
	"short:x\n"                  /* too few fields */
	"nonnum:x:abc:bob\n"         /* gid not a number */
	"nomembers:x:20\n"           /* no member list: still a group */
	"s:x:48:\n"
	"staff:x:50:bob,bobby\n"
	"st:x:49:\n"
	"wheel:x:10:root,bobby\n"
	"dev:x:300:alice,bob\n"
	"mid:x:310:alice,bob,carol\n"
	"bobgrp:x:1002:bob\n"
	"bobbygrp:x:1003:bobby\n"
	"last:x:400:bob";            /* no trailing newline */

static const struct { const char *spec; int rc; gid_t gid; } groups[] = {
	{ "root", 0, 0 },          { "0", 0, 0 },
	{ "staff", 0, 50 },        { "50", 0, 50 },
	{ "st", 0, 49 },           { "s", 0, 48 },
	{ "wheel", 0, 10 },        { "nomembers", 0, 20 },
	{ "last", 0, 400 },        { "400", 0, 400 },
	{ "12345", 0, 12345 },     { "4294967294", 0, 4294967294u },
	{ "sta", -ENOENT, 0 },     { "stafff", -ENOENT, 0 },
	{ "Staff", -ENOENT, 0 },   { "bob", -ENOENT, 0 },
	{ "short", -ENOENT, 0 },   { "nonnum", -ENOENT, 0 },
	{ "x", -ENOENT, 0 },       { "nogroup", -ENOENT, 0 },
	{ "", -EINVAL, 0 },        { "99999999999", -ERANGE, 0 },
	{ "4294967295", -ERANGE, 0 }, { "4294967296", -ERANGE, 0 },
};

START_TEST(test_find_group)
{
	gid_t gid = 4242;
	int rc = passwd_find_group(group_text, groups[_i].spec, &gid);

	ck_assert_msg(rc == groups[_i].rc, "\"%s\": rc %d, want %d", groups[_i].spec, rc,
		      groups[_i].rc);
	if (rc == 0)
		ck_assert_uint_eq(gid, groups[_i].gid);
}
END_TEST

/* ---- passwd_user_groups ------------------------------------------------ */

/* The same gid under two names, as aliases in real group files. */
static const char alias_text[] =
	"dev:x:300:bob\n"
	"developers:x:300:bob\n"
	"ops:x:400:bob\n";

#define GROUPS_N 8
#define UNTOUCHED ((gid_t)4242)

static const struct {
	const char *text;
	const char *name;
	gid_t primary;
	size_t max;
	size_t count;           /* what it returns: the number, or max + 1 when more */
	gid_t want[GROUPS_N];   /* the first min(count, max) */
} memberships[] = {
	{ group_text, "bob", 1002, GROUPS_N, 5, { 1002, 50, 300, 310, 400 } },
	{ group_text, "bobby", 1003, GROUPS_N, 3, { 1003, 50, 10 } },
	{ group_text, "root", 0, GROUPS_N, 2, { 0, 10 } },
	{ group_text, "alice", 1500, GROUPS_N, 3, { 1500, 300, 310 } },
	{ group_text, "carol", 5, GROUPS_N, 2, { 5, 310 } },
	{ group_text, "bo", 7, GROUPS_N, 1, { 7 } },
	{ group_text, "bobb", 7, GROUPS_N, 1, { 7 } },
	{ group_text, "bobbyy", 7, GROUPS_N, 1, { 7 } },
	{ group_text, "nobody", 65534, GROUPS_N, 1, { 65534 } },
	/* A primary group that also lists the user comes once, first. */
	{ group_text, "bob", 50, GROUPS_N, 5, { 50, 300, 310, 1002, 400 } },
	{ "", "bob", 100, GROUPS_N, 1, { 100 } },
	/* More than max: only max written, max + 1 returned. */
	{ group_text, "bob", 1002, 3, 4, { 1002, 50, 300 } },
	{ group_text, "bob", 1002, 1, 2, { 1002 } },
	{ group_text, "bob", 1002, 0, 1, { 0 } },
	{ group_text, "bobby", 1003, 1, 2, { 1003 } },
	{ alias_text, "bob", 100, GROUPS_N, 3, { 100, 300, 400 } },
	{ alias_text, "bob", 300, GROUPS_N, 2, { 300, 400 } },
	{ alias_text, "bob", 100, 2, 3, { 100, 300 } },
	{ alias_text, "bob", 100, 1, 2, { 100 } },
};

START_TEST(test_user_groups)
{
	gid_t got[GROUPS_N + 1];
	size_t max = memberships[_i].max;

	for (size_t k = 0; k <= GROUPS_N; k++)
		got[k] = UNTOUCHED;
	size_t count = passwd_user_groups(memberships[_i].text, memberships[_i].name,
					  memberships[_i].primary, got, max);
	ck_assert_msg(count == memberships[_i].count, "%s (max %zu): count %zu, want %zu",
		      memberships[_i].name, max, count, memberships[_i].count);
	size_t written = count < max ? count : max;
	for (size_t k = 0; k <= GROUPS_N; k++) {
		gid_t want = k < written ? memberships[_i].want[k] : UNTOUCHED;
		ck_assert_msg(got[k] == want, "%s (max %zu): groups[%zu] = %u, want %u",
			      memberships[_i].name, max, k, (unsigned)got[k], (unsigned)want);
	}
}
END_TEST

/* An entry whose name or home would not fit is refused, not cut: a cut
 * name would look the wrong supplementary groups up. */
START_TEST(test_find_user_too_long)
{
	static char text[1024];
	char name[PASSWD_NAME_MAX + 8], home[PASSWD_HOME_MAX + 8];
	struct passwd_user user;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memset(home, 'h', sizeof(home) - 1);
	home[0] = '/';
	home[sizeof(home) - 1] = '\0';
	snprintf(text, sizeof(text), "%s:x:4000:4000::/home/x:/bin/sh\nok:x:4001:4001::%s:/bin/sh\n",
		 name, home);
	ck_assert_int_eq(passwd_find_user(text, "4000", &user), -ENAMETOOLONG);
	ck_assert_int_eq(passwd_find_user(text, name, &user), -EINVAL); /* as a spec, too */
	ck_assert_int_eq(passwd_find_user(text, "4001", &user), -ENAMETOOLONG);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("passwd");
	TCase *tc = unit_tcase(s, "passwd_find_user", 5);
	tcase_add_loop_test(tc, test_find_user, 0, N(users));
	tcase_add_loop_test(tc, test_find_user_empty, 0, N(empty_texts));
	tcase_add_test(tc, test_find_user_too_long);

	tc = unit_tcase(s, "passwd_find_group", 5);
	tcase_add_loop_test(tc, test_find_group, 0, N(groups));

	tc = unit_tcase(s, "passwd_user_groups", 5);
	tcase_add_loop_test(tc, test_user_groups, 0, N(memberships));
	return s;
}
