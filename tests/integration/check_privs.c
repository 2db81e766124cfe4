/*
 * check_privs: --user, --caps and --no-new-privs (issue 5, tests 1-6;
 * DESIGN.md "Privileges").
 *
 * - ids: -u NAME, -u UID (with and without a passwd entry), -u UID:GID,
 *   -u NAME:GROUP and REAPER_USER give the child real, effective, saved and
 *   filesystem ids and supplementary groups as asked; HOME comes from the
 *   passwd entry only when it was unset.
 * - caps: --caps none and --caps LIST, as root and with --user, leave
 *   exactly LIST in CapPrm, CapEff, CapInh, CapAmb and CapBnd.
 * - bind: a child running as nobody binds 127.0.0.1:80 with --caps
 *   net_bind_service and not without (in a network namespace of its own,
 *   so nothing on the host holds the port or lowered the limit).
 * - no_new_privs: --no-new-privs and REAPER_NO_NEW_PRIVS=1 show
 *   "NoNewPrivs: 1".
 * - reaper itself: once the child runs, reaper's CapEff and CapPrm are
 *   CAP_KILL alone, and it still forwards signals to a child running as
 *   another user.
 * - errors: unknown user, group or capability and malformed specs are exit
 *   125 with one line naming the bad part, and the command never runs; so
 *   is asking to keep capabilities reaper itself does not hold (reaper run
 *   as nobody by setpriv), which names the lowest one missing.
 * - already true (nested inits): reaper run by setpriv as nobody, asked for
 *   --user nobody (or 65534), and --caps kill while holding kill alone in
 *   every set, bounding included, changes nothing and runs the command;
 *   where the bounding set cannot shrink without CAP_SETPCAP (--caps none
 *   as nobody), the job gets no_new_privs instead (issue 16).
 * - terminal: in check_privs_tty.
 *
 * The child is tests/helpers/showprivs ("key value" lines from
 * /proc/self/status and the terminal), tests/helpers/bindport or
 * tests/helpers/sigrecorder. Expected groups come from libc's
 * getgrouplist(3), an oracle independent of reaper's own /etc/group reader
 * (on a host whose NSS reads only files, as in CI). Needs root.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define TIMEOUT_MS 10000
#define MAX_GROUPS 256

/* ---- what showprivs said ------------------------------------------------ */

static void expect_shown(const char *text, const char *key, const char *want, const char *what)
{
	char got[1024];
	showprivs_value(text, key, got, sizeof got, what);
	ck_assert_msg(strcmp(got, want) == 0, "%s: %s is '%s', want '%s'\n--- showprivs:\n%s", what,
		      key, got, want, text);
}

static int compare_ids(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return (x > y) - (x < y);
}

/* ids: a space-separated list of decimal ids, sorted and without
 * duplicates, into out ("" for none). */
static void sorted_ids(const unsigned long *ids, size_t n, char *out, size_t size)
{
	unsigned long copy[MAX_GROUPS];
	ck_assert_msg(n <= MAX_GROUPS, "more than %d groups", MAX_GROUPS);
	memcpy(copy, ids, n * sizeof ids[0]);
	qsort(copy, n, sizeof copy[0], compare_ids);
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && copy[i] == copy[i - 1])
			continue;
		int len = snprintf(out + used, size - used, "%s%lu", used > 0 ? " " : "", copy[i]);
		ck_assert_msg(len > 0 && (size_t)len < size - used, "group list too long");
		used += (size_t)len;
	}
}

/* "G1 G2 ..." as shown, sorted (the kernel sorts them already; this way
 * the comparison does not depend on it). */
static void sorted_list(const char *list, char *out, size_t size)
{
	unsigned long ids[MAX_GROUPS];
	size_t n = 0;
	for (const char *p = list; *p != '\0';) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(p, &end, 10);
		ck_assert_msg(errno == 0 && end != p && (*end == ' ' || *end == '\0') && n < MAX_GROUPS,
			      "not a list of ids: '%s'", list);
		ids[n++] = v;
		p = *end == ' ' ? end + 1 : end;
	}
	sorted_ids(ids, n, out, size);
}

/* ---- running showprivs -------------------------------------------------- */

/*
 * reaper OPTS -- showprivs, with env_add, and with HOME removed from the
 * environment first when unset_home (through env -u HOME: the harness can
 * only add variables). Fails unless reaper exits 0; the output is in r.
 */
static void run_showprivs(struct run *r, enum run_where where, const char *const *opts,
			  char *const *env_add, bool unset_home, const char *what)
{
	static char env_path[4096];
	char *argv[24];
	size_t argc = 0;
	if (unset_home) {
		ck_assert_msg(find_program("env", env_path, sizeof env_path) != NULL,
			      "env(1) not found in PATH");
		argv[argc++] = env_path;
		argv[argc++] = "-u";
		argv[argc++] = "HOME";
	}
	argv[argc++] = (char *)reaper_path();
	for (size_t i = 0; opts != NULL && opts[i] != NULL; i++) {
		ck_assert(argc < 20);
		argv[argc++] = (char *)opts[i];
	}
	argv[argc++] = "--";
	argv[argc++] = (char *)helper_path("showprivs");
	argv[argc] = NULL;
	struct run_opts ropts = { .env_add = env_add };
	run_start(r, where, argv, &ropts);
	int code = run_wait(r, TIMEOUT_MS);
	ck_assert_msg(code == 0, "%s %s: reaper exited %d, want 0\n--- stdout:\n%s\n--- stderr:\n%s",
		      what, where_phrase(where), code, r->out, r->err);
	ck_assert_msg(run_count_lines(r, "end") == 1, "%s %s: showprivs did not finish:\n%s", what,
		      where_phrase(where), r->out);
}

/* A field of /proc/<pid>/status ("CapEff"), tabs and all, into buf. */
static void proc_status_field(pid_t pid, const char *field, char *buf, size_t size)
{
	char path[64], status[8192];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ssize_t n = read(fd, status + 1, sizeof status - 2);
	int saved = errno;
	(void)close(fd); /* read-only */
	ck_assert_msg(n > 0, "read %s: %s", path, strerror(saved));
	status[0] = '\n';
	status[n + 1] = '\0';
	char want[64];
	snprintf(want, sizeof want, "\n%s:", field);
	const char *p = strstr(status, want);
	ck_assert_msg(p != NULL, "no %s in %s", field, path);
	p += strlen(want);
	while (*p == '\t' || *p == ' ')
		p++;
	snprintf(buf, size, "%.*s", (int)strcspn(p, "\n"), p);
}

/* ---- test 1: ids and groups --------------------------------------------- */

/* A uid (gid) with no passwd (group) entry, from 23456 up. */
static unsigned long free_uid(void)
{
	for (unsigned long id = 23456; id < 23456 + 1000; id++)
		if (getpwuid((uid_t)id) == NULL)
			return id;
	ck_abort_msg("no free uid from 23456");
	return 0;
}

static unsigned long free_gid(void)
{
	for (unsigned long id = 23456; id < 23456 + 1000; id++)
		if (getgrgid((gid_t)id) == NULL)
			return id;
	ck_abort_msg("no free gid from 23456");
	return 0;
}

enum id_case {
	ID_NAME,             /* -u nobody */
	ID_NUMERIC_KNOWN,    /* -u 65534: nobody's uid, entry and groups found */
	ID_NUMERIC_UNKNOWN,  /* -u 23456: no entry, so no groups */
	ID_UID_GID,          /* -u 23456:23457, neither has an entry */
	ID_NAME_GROUP_NAME,  /* -u nobody:daemon */
	ID_NAME_GROUP_ID,    /* -u nobody:23457 */
	ID_SUPPLEMENTARY,    /* a host user listed as a member of some group */
	ID_ENV,              /* REAPER_USER=nobody */
};
static const char *const id_case_names[] = {
	"name", "numeric uid with an entry", "numeric uid without an entry", "uid:gid",
	"name:group name", "name:gid", "user with supplementary groups", "REAPER_USER",
};
#define N_ID_CASES (int)(sizeof id_case_names / sizeof id_case_names[0])

/* A group other than root's and gid's, by name; NULL when there is none. */
static const struct group *other_group(gid_t gid)
{
	setgrent();
	const struct group *gr;
	while ((gr = getgrent()) != NULL)
		if (gr->gr_gid != 0 && gr->gr_gid != gid)
			break;
	endgrent();
	return gr;
}

/* A non-root user that some group lists as a member, or NULL. Its name
 * into name. */
static bool user_with_supplementary(char *name, size_t size)
{
	bool found = false;
	setgrent();
	const struct group *gr;
	while (!found && (gr = getgrent()) != NULL) {
		for (char **m = gr->gr_mem; *m != NULL && !found; m++) {
			const struct passwd *pw = getpwnam(*m);
			if (pw != NULL && pw->pw_uid != 0 && pw->pw_gid != gr->gr_gid) {
				snprintf(name, size, "%s", *m);
				found = true;
			}
		}
	}
	endgrent();
	return found;
}

/* getgrouplist(name, gid): what initgroups would set. */
static void expected_groups(const char *name, gid_t gid, char *out, size_t size)
{
	gid_t groups[MAX_GROUPS];
	int n = MAX_GROUPS;
	ck_assert_msg(getgrouplist(name, gid, groups, &n) >= 0, "getgrouplist %s: too many groups",
		      name);
	unsigned long ids[MAX_GROUPS];
	for (int i = 0; i < n; i++)
		ids[i] = groups[i];
	sorted_ids(ids, (size_t)n, out, size);
}

START_TEST(test_user_ids)
{
	enum id_case kind = (enum id_case)(_i / N_WHERES);
	enum run_where where = wheres[_i % N_WHERES];
	const struct passwd *nobody = getpwnam("nobody");
	if (nobody == NULL) {
		test_skip("no user 'nobody' on this host");
		return;
	}
	uid_t nobody_uid = nobody->pw_uid;
	gid_t nobody_gid = nobody->pw_gid;

	char spec[128], want_groups[2048], user_name[64], env_var[160];
	unsigned long want_uid, want_gid;
	char *env_add[] = { env_var, NULL };
	const char *opts[] = { "--user", spec, NULL };
	bool via_env = false;
	switch (kind) {
	case ID_NAME:
	case ID_ENV:
		snprintf(spec, sizeof spec, "nobody");
		want_uid = nobody_uid;
		want_gid = nobody_gid;
		expected_groups("nobody", nobody_gid, want_groups, sizeof want_groups);
		via_env = kind == ID_ENV;
		break;
	case ID_NUMERIC_KNOWN:
		snprintf(spec, sizeof spec, "%lu", (unsigned long)nobody_uid);
		want_uid = nobody_uid;
		want_gid = nobody_gid;
		expected_groups("nobody", nobody_gid, want_groups, sizeof want_groups);
		break;
	case ID_NUMERIC_UNKNOWN:
		want_uid = free_uid();
		snprintf(spec, sizeof spec, "%lu", want_uid);
		/* No entry, no gid asked: gid 0, as docker run --user and gosu
		 * give; and no supplementary groups at all. */
		want_gid = 0;
		want_groups[0] = '\0';
		break;
	case ID_UID_GID:
		want_uid = free_uid();
		want_gid = free_gid();
		snprintf(spec, sizeof spec, "%lu:%lu", want_uid, want_gid);
		want_groups[0] = '\0';
		break;
	case ID_NAME_GROUP_NAME: {
		const struct group *gr = other_group(nobody_gid);
		if (gr == NULL) {
			test_skip("no group on this host other than root's and nobody's");
			return;
		}
		snprintf(spec, sizeof spec, "nobody:%s", gr->gr_name);
		want_uid = nobody_uid;
		want_gid = gr->gr_gid;
		expected_groups("nobody", gr->gr_gid, want_groups, sizeof want_groups);
		break;
	}
	case ID_NAME_GROUP_ID:
		want_uid = nobody_uid;
		want_gid = free_gid();
		snprintf(spec, sizeof spec, "nobody:%lu", want_gid);
		expected_groups("nobody", (gid_t)want_gid, want_groups, sizeof want_groups);
		break;
	case ID_SUPPLEMENTARY: {
		if (!user_with_supplementary(user_name, sizeof user_name)) {
			test_skip("no user on this host is listed in a group (check_static_names covers "
			     "supplementary groups)");
			return;
		}
		const struct passwd *pw = getpwnam(user_name);
		ck_assert_ptr_nonnull(pw);
		snprintf(spec, sizeof spec, "%s", user_name);
		want_uid = pw->pw_uid;
		want_gid = pw->pw_gid;
		expected_groups(user_name, pw->pw_gid, want_groups, sizeof want_groups);
		break;
	}
	default:
		ck_abort_msg("bad case %d", (int)kind);
		return;
	}

	char what[256];
	snprintf(what, sizeof what, "%s%s (%s)", via_env ? "REAPER_USER=" : "--user ", spec,
		 id_case_names[kind]);
	snprintf(env_var, sizeof env_var, "REAPER_USER=%s", spec);
	struct run r;
	run_showprivs(&r, where, via_env ? NULL : opts, via_env ? env_add : NULL, false, what);

	char want[128], got[2048], got_sorted[2048];
	snprintf(want, sizeof want, "%lu %lu %lu %lu", want_uid, want_uid, want_uid, want_uid);
	expect_shown(r.out, "uid", want, what);
	snprintf(want, sizeof want, "%lu %lu %lu %lu", want_gid, want_gid, want_gid, want_gid);
	expect_shown(r.out, "gid", want, what);
	showprivs_value(r.out, "groups", got, sizeof got, what);
	sorted_list(got, got_sorted, sizeof got_sorted);
	ck_assert_msg(strcmp(got_sorted, want_groups) == 0,
		      "%s %s: supplementary groups '%s', want '%s'", what, where_phrase(where),
		      got_sorted, want_groups);
}
END_TEST

/* HOME: from the passwd entry when unset, left alone when set, and still
 * unset for a uid without an entry. */
static const struct {
	bool unset_home;
	bool known_user;  /* nobody, or a uid without an entry */
} home_rows[] = {
	{ true, true },
	{ false, true },
	{ true, false },
};
#define N_HOME_ROWS (int)(sizeof home_rows / sizeof home_rows[0])

START_TEST(test_user_home)
{
	int row = _i / N_WHERES;
	enum run_where where = wheres[_i % N_WHERES];
	const struct passwd *nobody = getpwnam("nobody");
	if (nobody == NULL) {
		test_skip("no user 'nobody' on this host");
		return;
	}
	char nobody_home[512], spec[32], what[128];
	snprintf(nobody_home, sizeof nobody_home, "%s", nobody->pw_dir);
	if (home_rows[row].known_user)
		snprintf(spec, sizeof spec, "nobody");
	else
		snprintf(spec, sizeof spec, "%lu", free_uid());
	char *env_add[] = { "HOME=/home-from-the-environment", NULL };
	const char *opts[] = { "--user", spec, NULL };
	snprintf(what, sizeof what, "--user %s with HOME %s", spec,
		 home_rows[row].unset_home ? "unset" : "set");
	struct run r;
	run_showprivs(&r, where, opts, home_rows[row].unset_home ? NULL : env_add,
		      home_rows[row].unset_home, what);
	char got[1024];
	showprivs_value(r.out, "home", got, sizeof got, what);
	const char *want = !home_rows[row].unset_home ? "/home-from-the-environment"
			   : home_rows[row].known_user ? nobody_home : "";
	ck_assert_msg(strcmp(got, want) == 0, "%s %s: HOME is '%s', want '%s'%s", what,
		      where_phrase(where), got, want, want[0] == '\0' ? " (unset)" : "");
}
END_TEST

/* ---- test 2: capability sets -------------------------------------------- */

#define BIT(cap) (1ULL << (cap))
#define UNCHANGED (~0ULL) /* the test process's own value */

static const struct {
	const char *user;   /* --user, or NULL */
	const char *caps;   /* --caps, or NULL */
	bool via_env;       /* REAPER_USER / REAPER_CAPS instead of options */
	unsigned long long want; /* in CapPrm, CapEff, CapInh, CapAmb, CapBnd */
} cap_rows[] = {
	{ NULL, "none", false, 0 },
	{ NULL, "net_bind_service", false, BIT(CAP_NET_BIND_SERVICE) },
	{ NULL, "NET_BIND_SERVICE,cap_chown,Kill", false,
	  BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_CHOWN) | BIT(CAP_KILL) },
	{ "nobody", "none", false, 0 },
	{ "nobody", "net_bind_service", false, BIT(CAP_NET_BIND_SERVICE) },
	{ "nobody", "CAP_NET_BIND_SERVICE,chown", false,
	  BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_CHOWN) },
	{ "nobody", "chown", true, BIT(CAP_CHOWN) },
	/* --user alone: a non-root exec empties permitted, effective and
	 * ambient; the bounding and inheritable sets stay ours. */
	{ "nobody", NULL, false, UNCHANGED },
};
#define N_CAP_ROWS (int)(sizeof cap_rows / sizeof cap_rows[0])

static unsigned long long parse_mask(const char *hex, const char *what)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(hex, &end, 16);
	ck_assert_msg(errno == 0 && end != hex && *end == '\0', "%s: not a mask: '%s'", what, hex);
	return v;
}

START_TEST(test_caps)
{
	int row = _i / N_WHERES;
	enum run_where where = wheres[_i % N_WHERES];
	char what[256], user_var[64], caps_var[128];
	snprintf(what, sizeof what, "%s%s %s%s", cap_rows[row].via_env ? "REAPER_USER=" : "--user ",
		 cap_rows[row].user ? cap_rows[row].user : "(none)",
		 cap_rows[row].via_env ? "REAPER_CAPS=" : "--caps ",
		 cap_rows[row].caps ? cap_rows[row].caps : "(none)");
	const char *opts[8];
	char *env_add[3] = { NULL };
	size_t n = 0, n_env = 0;
	if (cap_rows[row].user != NULL) {
		snprintf(user_var, sizeof user_var, "REAPER_USER=%s", cap_rows[row].user);
		if (cap_rows[row].via_env) {
			env_add[n_env++] = user_var;
		} else {
			opts[n++] = "--user";
			opts[n++] = cap_rows[row].user;
		}
	}
	if (cap_rows[row].caps != NULL) {
		snprintf(caps_var, sizeof caps_var, "REAPER_CAPS=%s", cap_rows[row].caps);
		if (cap_rows[row].via_env) {
			env_add[n_env++] = caps_var;
		} else {
			opts[n++] = "--caps";
			opts[n++] = cap_rows[row].caps;
		}
	}
	opts[n] = NULL;

	struct run r;
	run_showprivs(&r, where, opts, env_add, false, what);

	const struct passwd *pw = cap_rows[row].user ? getpwnam(cap_rows[row].user) : NULL;
	unsigned long want_uid = pw != NULL ? pw->pw_uid : 0;
	char want_ids[128];
	snprintf(want_ids, sizeof want_ids, "%lu %lu %lu %lu", want_uid, want_uid, want_uid, want_uid);
	expect_shown(r.out, "uid", want_ids, what);

	static const struct { const char *key, *field; } sets[] = {
		{ "capprm", "CapPrm" }, { "capeff", "CapEff" }, { "capinh", "CapInh" },
		{ "capamb", "CapAmb" }, { "capbnd", "CapBnd" },
	};
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		unsigned long long want = cap_rows[row].want;
		if (want == UNCHANGED) {
			bool ours = strcmp(sets[i].key, "capbnd") == 0 ||
				    strcmp(sets[i].key, "capinh") == 0;
			char own[64];
			proc_status_field(getpid(), sets[i].field, own, sizeof own);
			want = ours ? parse_mask(own, "our own status") : 0;
		}
		char got[64];
		showprivs_value(r.out, sets[i].key, got, sizeof got, what);
		unsigned long long mask = parse_mask(got, what);
		ck_assert_msg(mask == want, "%s %s: %s is %#llx, want %#llx\n--- showprivs:\n%s",
			      what, where_phrase(where), sets[i].field, mask, want, r.out);
	}
}
END_TEST

/* ---- test 3: binding port 80 -------------------------------------------- */

static const struct {
	const char *user;
	const char *caps;
	const char *want; /* bindport's verdict */
} bind_rows[] = {
	{ "nobody", "net_bind_service", "bound" },
	{ "nobody", NULL, "bind: EACCES" },
	{ "nobody", "none", "bind: EACCES" },
	{ "nobody", "chown,kill", "bind: EACCES" },
	{ NULL, "none", "bind: EACCES" },              /* root, but without the capability */
	{ NULL, "net_bind_service", "bound" },
};
#define N_BIND_ROWS (int)(sizeof bind_rows / sizeof bind_rows[0])

START_TEST(test_bind_low_port)
{
	static char unshare[4096];
	if (find_program("unshare", unshare, sizeof unshare) == NULL) {
		test_skip("unshare(1) not found: util-linux is needed for a network namespace");
		return;
	}
	char *argv[12];
	size_t argc = 0;
	argv[argc++] = unshare;
	argv[argc++] = "--net"; /* a namespace of our own: port 80 is free, the limit 1024 */
	argv[argc++] = (char *)reaper_path();
	if (bind_rows[_i].user != NULL) {
		argv[argc++] = "--user";
		argv[argc++] = (char *)bind_rows[_i].user;
	}
	if (bind_rows[_i].caps != NULL) {
		argv[argc++] = "--caps";
		argv[argc++] = (char *)bind_rows[_i].caps;
	}
	argv[argc++] = "--";
	argv[argc++] = (char *)helper_path("bindport");
	argv[argc++] = "80";
	argv[argc] = NULL;
	char what[128];
	snprintf(what, sizeof what, "--user %s --caps %s",
		 bind_rows[_i].user ? bind_rows[_i].user : "(none)",
		 bind_rows[_i].caps ? bind_rows[_i].caps : "(none)");

	struct run r;
	run_start(&r, RUN_HOST, argv, NULL);
	int code = run_wait(&r, TIMEOUT_MS);
	char start[32], verdict[64];
	ck_assert_msg(find_value(r.out, "port_start", start, sizeof start),
		      "%s: bindport did not run: exit %d\n--- stdout:\n%s\n--- stderr:\n%s", what,
		      code, r.out, r.err);
	char *end;
	long port_start = strtol(start, &end, 10);
	if (end == start || *end != '\0' || port_start <= 80) {
		char why[160];
		snprintf(why, sizeof why, "net.ipv4.ip_unprivileged_port_start is %s in a new network "
			 "namespace: anyone may bind port 80", start);
		test_skip(why);
		return;
	}
	const char *nl = strchr(r.out, '\n');
	snprintf(verdict, sizeof verdict, "%.*s", nl ? (int)strcspn(nl + 1, "\n") : 0,
		 nl ? nl + 1 : "");
	ck_assert_msg(strcmp(verdict, bind_rows[_i].want) == 0,
		      "%s: bindport 80 said '%s', want '%s'\n--- stderr:\n%s", what, verdict,
		      bind_rows[_i].want, r.err);
	int want_code = strcmp(bind_rows[_i].want, "bound") == 0 ? 0 : 1;
	ck_assert_msg(code == want_code, "%s: reaper exited %d, want bindport's %d", what, code,
		      want_code);
}
END_TEST

/* ---- test 4: no_new_privs ----------------------------------------------- */

static const struct {
	const char *opts[4];
	const char *env;
	const char *want;
} nnp_rows[] = {
	{ { "--no-new-privs", NULL }, NULL, "1" },
	{ { "--user", "nobody", "--no-new-privs", NULL }, NULL, "1" },
	{ { "--caps", "none", "--no-new-privs", NULL }, NULL, "1" },
	{ { NULL }, "REAPER_NO_NEW_PRIVS=1", "1" },
	{ { NULL }, NULL, "0" },               /* control: it is not set by default */
	{ { "--user", "nobody", NULL }, NULL, "0" },
};
#define N_NNP_ROWS (int)(sizeof nnp_rows / sizeof nnp_rows[0])

START_TEST(test_no_new_privs)
{
	int row = _i / N_WHERES;
	enum run_where where = wheres[_i % N_WHERES];
	char own[16];
	proc_status_field(getpid(), "NoNewPrivs", own, sizeof own);
	if (strcmp(nnp_rows[row].want, "0") == 0 && strcmp(own, "0") != 0) {
		test_skip("the test process has no_new_privs set already: the control cannot show 0");
		return;
	}
	char what[128];
	snprintf(what, sizeof what, "%s %s %s %s", nnp_rows[row].env ? nnp_rows[row].env : "",
		 nnp_rows[row].opts[0] ? nnp_rows[row].opts[0] : "(no options)",
		 nnp_rows[row].opts[1] ? nnp_rows[row].opts[1] : "",
		 nnp_rows[row].opts[2] ? nnp_rows[row].opts[2] : "");
	char *env_add[] = { (char *)nnp_rows[row].env, NULL };
	struct run r;
	run_showprivs(&r, where, nnp_rows[row].opts, env_add, false, what);
	expect_shown(r.out, "nonewprivs", nnp_rows[row].want, what);
}
END_TEST

/* ---- test 5: reaper's own capabilities ---------------------------------- */

/* The first child of pid (reaper is single-threaded), or fail. */
static pid_t first_child(pid_t pid)
{
	char path[96], buf[256];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ssize_t n = read(fd, buf, sizeof buf - 1);
	(void)close(fd); /* read-only */
	ck_assert_msg(n > 0, "%s: no children", path);
	buf[n] = '\0';
	char *end;
	long child = strtol(buf, &end, 10);
	ck_assert_msg(end != buf && child > 0, "%s: '%s'", path, buf);
	return (pid_t)child;
}

static void expect_line(struct run *r, const char *want)
{
	ck_assert_msg(run_expect_line(r, want, TIMEOUT_MS),
		      "no line '%s' within %d ms\n--- stdout:\n%s\n--- stderr:\n%s", want, TIMEOUT_MS,
		      r->out, r->err);
}

START_TEST(test_reaper_keeps_only_cap_kill)
{
	bool as_nobody = _i / N_WHERES == 0;
	enum run_where where = wheres[_i % N_WHERES];
	const struct passwd *nobody = getpwnam("nobody");
	if (nobody == NULL) {
		test_skip("no user 'nobody' on this host");
		return;
	}
	unsigned long nobody_uid = nobody->pw_uid;
	char *argv[] = { (char *)reaper_path(), "--user", "nobody", "--",
			 (char *)helper_path("sigrecorder"), "--exit-on", "USR1", "--exit", "7", NULL };
	if (!as_nobody) {
		argv[1] = "--";
		argv[2] = (char *)helper_path("sigrecorder");
		argv[3] = "--exit-on";
		argv[4] = "USR1";
		argv[5] = "--exit";
		argv[6] = "7";
		argv[7] = NULL;
	}
	sigset_t all;
	sigfillset(&all);
	struct run_opts opts = { .mask = &all };
	struct run r;
	run_start(&r, where, argv, &opts);
	ck_assert_msg(run_expect_prefix(&r, "ready ", NULL, 0, TIMEOUT_MS),
		      "sigrecorder not ready\n--- stdout:\n%s\n--- stderr:\n%s", r.out, r.err);
	pid_t reaper = run_reaper_pid(&r, TIMEOUT_MS);

	/* Reaper drops its capabilities after fork, just before its loop, so
	 * the child's "ready" may come first. A signal forwarded from the loop
	 * proves the drop is done; to a child running as nobody it also
	 * needs the CAP_KILL reaper kept. */
	run_signal(&r, SIGUSR2);
	expect_line(&r, "sig 12");

	char got[64];
	static const struct { const char *field; unsigned long long want; } own[] = {
		{ "CapEff", BIT(CAP_KILL) }, { "CapPrm", BIT(CAP_KILL) },
		{ "CapInh", 0 }, { "CapAmb", 0 },
	};
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
		proc_status_field(reaper, own[i].field, got, sizeof got);
		unsigned long long mask = parse_mask(got, own[i].field);
		ck_assert_msg(mask == own[i].want, "%s%s: reaper's %s is %#llx, want %#llx (CAP_KILL%s)",
			      where_phrase(where), as_nobody ? " with --user nobody" : "", own[i].field,
			      mask, own[i].want, own[i].want ? " only" : ": none");
	}
	if (as_nobody) {
		pid_t child = first_child(reaper);
		proc_status_field(child, "Uid", got, sizeof got);
		char want[128];
		snprintf(want, sizeof want, "%lu\t%lu\t%lu\t%lu", nobody_uid, nobody_uid, nobody_uid,
			 nobody_uid);
		ck_assert_msg(strcmp(got, want) == 0, "the child's Uid is '%s', want nobody's", got);
	}

	run_signal(&r, SIGUSR1);
	expect_line(&r, "sig 10");
	int code = run_wait(&r, TIMEOUT_MS);
	ck_assert_msg(code == 7, "%s: reaper exited %d, want the child's 7; stderr: %s",
		      where_phrase(where), code, r.err);
}
END_TEST

/* ---- test 6: bad specs -------------------------------------------------- */

static const struct {
	const char *opts[5];
	const char *env;       /* instead of options, or NULL */
	const char *want;      /* stderr, exactly */
} error_rows[] = {
	{ { "--user", "nosuchuser-reaper" }, NULL,
	  "reaper: --user: unknown user 'nosuchuser-reaper'\n" },
	{ { "-u", "nosuchuser-reaper:daemon" }, NULL,
	  "reaper: --user: unknown user 'nosuchuser-reaper'\n" },
	{ { "--user", "nobody:nosuchgroup-reaper" }, NULL,
	  "reaper: --user: unknown group 'nosuchgroup-reaper'\n" },
	{ { "--user", "4294967296" }, NULL, "reaper: --user: invalid user '4294967296'\n" },
	{ { "--caps", "net_bind_service,nosuchcap" }, NULL,
	  "reaper: --caps: unknown capability 'nosuchcap'\n" },
	{ { "--caps", "cap_nosuchcap" }, NULL, "reaper: --caps: unknown capability 'cap_nosuchcap'\n" },
	{ { "--user", "nobody", "--caps", "nosuchcap" }, NULL,
	  "reaper: --caps: unknown capability 'nosuchcap'\n" },
	{ { "--user", ":" }, NULL, "reaper: --user: ':' is not USER[:GROUP]\n" },
	{ { "--user", "nobody:" }, NULL, "reaper: --user: 'nobody:' is not USER[:GROUP]\n" },
	{ { "--user", ":daemon" }, NULL, "reaper: --user: ':daemon' is not USER[:GROUP]\n" },
	{ { "--caps", "chown,,kill" }, NULL,
	  "reaper: --caps: 'chown,,kill' is not a list of capabilities\n" },
	{ { "--caps", ",chown" }, NULL, "reaper: --caps: ',chown' is not a list of capabilities\n" },
	{ { "--caps", "chown," }, NULL, "reaper: --caps: 'chown,' is not a list of capabilities\n" },
	/* From the environment: the bad value is named (which variable, see
	 * test_env_errors_name_the_variable). */
	{ { NULL }, "REAPER_USER=nosuchuser-reaper", "'nosuchuser-reaper'" },
	{ { NULL }, "REAPER_CAPS=nosuchcap", "'nosuchcap'" },
};
#define N_ERROR_ROWS (int)(sizeof error_rows / sizeof error_rows[0])

/* A fresh directory anyone may write to, so a command that ran as
 * nobody could leave its marker. */
static void make_marker_dir(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/reaper-check-privs-XXXXXX");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
	ck_assert_msg(chmod(dir, 0777) == 0, "chmod %s: %s", dir, strerror(errno));
}

static void run_bad_spec(struct run *r, enum run_where where, const char *const *opts,
			 const char *env, const char *marker)
{
	char touch[256];
	snprintf(touch, sizeof touch, "touch %s", marker);
	const char *cmd[] = { "/bin/sh", "-c", touch, NULL };
	char *argv[16];
	build_argv(argv, sizeof argv / sizeof argv[0], reaper_path(), opts, cmd);
	char *env_add[] = { (char *)env, NULL };
	struct run_opts ropts = { .env_add = env != NULL ? env_add : NULL };
	run_start(r, where, argv, &ropts);
	(void)run_wait(r, TIMEOUT_MS); /* the caller checks the code */
}

START_TEST(test_bad_spec)
{
	int row = _i / N_WHERES;
	enum run_where where = wheres[_i % N_WHERES];
	char dir[64], marker[96];
	make_marker_dir(dir, sizeof dir);
	snprintf(marker, sizeof marker, "%s/ran", dir);
	struct run r;
	run_bad_spec(&r, where, error_rows[row].opts, error_rows[row].env, marker);
	int code = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1;
	const char *what = error_rows[row].env ? error_rows[row].env : error_rows[row].opts[1];
	ck_assert_msg(code == 125, "%s %s: exit %d, want 125; stderr: %s", what, where_phrase(where),
		      code, r.err);
	ck_assert_msg(r.out_len == 0, "%s: reaper wrote to stdout: [%s]", what, r.out);
	if (error_rows[row].env == NULL) {
		ck_assert_msg(strcmp(r.err, error_rows[row].want) == 0, "%s %s: stderr [%s], want [%s]",
			      what, where_phrase(where), r.err, error_rows[row].want);
	} else {
		const char *nl = strchr(r.err, '\n');
		ck_assert_msg(strncmp(r.err, "reaper: ", 8) == 0 && nl != NULL && nl[1] == '\0',
			      "%s: stderr is not one 'reaper: ' line: [%s]", what, r.err);
		ck_assert_msg(strstr(r.err, error_rows[row].want) != NULL,
			      "%s: stderr [%s] does not name %s", what, r.err, error_rows[row].want);
	}
	ck_assert_msg(access(marker, F_OK) != 0, "%s %s: the command ran", what, where_phrase(where));
	ck_assert_msg(rmdir(dir) == 0, "rmdir %s: %s", dir, strerror(errno));
}
END_TEST

/* A bad REAPER_USER or REAPER_CAPS names the variable the user set, as
 * every other REAPER_* error does (STYLE.md: "the caller names the option
 * or variable"); someone who never typed --user should not be told about
 * it. */
static const struct {
	const char *env;
	const char *name;
} env_error_rows[] = {
	{ "REAPER_USER=nosuchuser-reaper", "REAPER_USER" },
	{ "REAPER_USER=nobody:nosuchgroup-reaper", "REAPER_USER" },
	{ "REAPER_USER=:", "REAPER_USER" },
	{ "REAPER_CAPS=nosuchcap", "REAPER_CAPS" },
	{ "REAPER_CAPS=chown,,kill", "REAPER_CAPS" },
};
#define N_ENV_ERROR_ROWS (int)(sizeof env_error_rows / sizeof env_error_rows[0])

START_TEST(test_env_errors_name_the_variable)
{
	char dir[64], marker[96];
	make_marker_dir(dir, sizeof dir);
	snprintf(marker, sizeof marker, "%s/ran", dir);
	static const char *const no_opts[] = { NULL };
	struct run r;
	run_bad_spec(&r, RUN_HOST, no_opts, env_error_rows[_i].env, marker);
	int code = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1;
	ck_assert_msg(code == 125, "%s: exit %d, want 125; stderr: %s", env_error_rows[_i].env, code,
		      r.err);
	ck_assert_msg(access(marker, F_OK) != 0, "%s: the command ran", env_error_rows[_i].env);
	ck_assert_msg(rmdir(dir) == 0, "rmdir %s: %s", dir, strerror(errno));
	ck_assert_msg(strstr(r.err, env_error_rows[_i].name) != NULL,
		      "%s: stderr [%s] does not name %s", env_error_rows[_i].env, r.err,
		      env_error_rows[_i].name);
}
END_TEST

/* Reaper without capabilities (started as nobody) cannot give the child
 * any: it says which before anything runs, naming the lowest missing one
 * (chown is 0, net_raw 13). */
START_TEST(test_caps_not_held)
{
	static const char setpriv[] = "/usr/bin/setpriv"; /* util-linux, Essential on Debian */
	if (access(setpriv, X_OK) != 0) {
		printf("check_privs: skipping test_caps_not_held: no %s\n", setpriv);
		return;
	}
	char dir[64], marker[96], touch[128];
	make_marker_dir(dir, sizeof dir);
	snprintf(marker, sizeof marker, "%s/ran", dir);
	snprintf(touch, sizeof touch, "touch %s", marker);
	const char *opts[] = { "--reuid=65534", "--regid=65534", "--clear-groups", reaper_path(),
			       "--caps", "net_raw,chown", NULL };
	const char *cmd[] = { "/bin/sh", "-c", touch, NULL };
	char *argv[16];
	build_argv(argv, sizeof argv / sizeof argv[0], setpriv, opts, cmd);
	struct run r;
	run_start(&r, RUN_HOST, argv, NULL);
	(void)run_wait(&r, TIMEOUT_MS);
	int code = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1;
	ck_assert_msg(code == 125, "exit %d, want 125; stderr: %s", code, r.err);
	ck_assert_str_eq(r.err, "reaper: --caps: cannot keep 'cap_chown': reaper does not hold it\n");
	ck_assert_msg(access(marker, F_OK) != 0, "the command ran");
	ck_assert_msg(rmdir(dir) == 0, "rmdir %s: %s", dir, strerror(errno));
}
END_TEST

/* ---- nested inits: a step that is already true ----------------------- */

/* A capability mask of /proc/<pid>/status ("CapBnd"). */
static unsigned long long parse_mask_field(pid_t pid, const char *field)
{
	char text[64];
	proc_status_field(pid, field, text, sizeof text);
	return parse_mask(text, field);
}

/* Reaper started by setpriv as nobody (as an init in front of it would
 * leave it), asked for what it already is: it changes nothing and runs
 * the command (DESIGN.md, nested inits). The old code failed at setgroups
 * (CAP_SETGID is needed even for the groups one has) and, for --caps, at
 * raising CAP_SETPCAP to drop a bounding set that held nothing to drop. */
#define SETPRIV "/usr/bin/setpriv" /* util-linux, Essential on Debian */
#define ONLY_KILL "--inh-caps=-all,+kill", "--ambient-caps=-all,+kill", "--bounding-set=-all,+kill"

static const struct {
	const char *name;
	const char *setpriv[8];  /* after --reuid=65534 --regid=65534 --init-groups */
	const char *opts[6];     /* reaper's */
	unsigned long long caps; /* every set of the child; UNCHANGED: all empty */
} already_rows[] = {
	{ "--user nobody", { NULL }, { "--user", "nobody", NULL }, UNCHANGED },
	{ "--user 65534", { NULL }, { "--user", "65534", NULL }, UNCHANGED },
	{ "--user nobody --caps kill, holding kill alone", { ONLY_KILL, NULL },
	  { "--user", "nobody", "--caps", "kill", NULL }, 1ULL << CAP_KILL },
	{ "--caps kill, holding kill alone", { ONLY_KILL, NULL }, { "--caps", "kill", NULL },
	  1ULL << CAP_KILL },
};
#define N_ALREADY_ROWS (int)(sizeof already_rows / sizeof already_rows[0])

START_TEST(test_already_true)
{
	int row = _i / N_WHERES;
	enum run_where where = wheres[_i % N_WHERES];
	const char *what = already_rows[row].name;
	const struct passwd *nobody = getpwnam("nobody");
	if (access(SETPRIV, X_OK) != 0 || nobody == NULL || nobody->pw_uid != 65534 ||
	    nobody->pw_gid != 65534) {
		test_skip("needs " SETPRIV " and nobody as 65534:65534");
		return;
	}
	const char *argv_c[24] = { SETPRIV, "--reuid=65534", "--regid=65534", "--init-groups" };
	size_t n = 4;
	for (size_t i = 0; already_rows[row].setpriv[i] != NULL; i++)
		argv_c[n++] = already_rows[row].setpriv[i];
	argv_c[n++] = reaper_path();
	for (size_t i = 0; already_rows[row].opts[i] != NULL; i++)
		argv_c[n++] = already_rows[row].opts[i];
	argv_c[n++] = "--";
	argv_c[n++] = helper_path("showprivs");
	argv_c[n] = NULL;
	struct run r;
	run_start(&r, where, (char *const *)argv_c, NULL);
	int code = run_wait(&r, TIMEOUT_MS);
	ck_assert_msg(code == 0, "%s %s: reaper exited %d, want 0\n--- stderr:\n%s", what,
		      where_phrase(where), code, r.err);
	expect_shown(r.out, "uid", "65534 65534 65534 65534", what);
	expect_shown(r.out, "gid", "65534 65534 65534 65534", what);
	char groups[1024], want_groups[1024];
	showprivs_value(r.out, "groups", groups, sizeof groups, what);
	sorted_list(groups, groups, sizeof groups);
	expected_groups("nobody", 65534, want_groups, sizeof want_groups);
	ck_assert_msg(strcmp(groups, want_groups) == 0, "%s: groups '%s', want '%s'", what, groups,
		      want_groups);
	static const char *const sets[] = { "capprm", "capeff", "capinh", "capamb" };
	unsigned long long want = already_rows[row].caps == UNCHANGED ? 0 : already_rows[row].caps;
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		char got[64];
		showprivs_value(r.out, sets[i], got, sizeof got, what);
		ck_assert_msg(parse_mask(got, what) == want, "%s %s: %s is %s, want %#llx", what,
			      where_phrase(where), sets[i], got, want);
	}
}
END_TEST

/* As nobody with a full bounding set, --caps none cannot drop from it (no
 * CAP_SETPCAP): the job runs with no capability in any set, its bounding
 * set as it was, and no_new_privs, so no exec can raise one either
 * (issue 16; before, this was exit 125). */
START_TEST(test_bounding_without_setpcap)
{
	if (access(SETPRIV, X_OK) != 0) {
		test_skip("no " SETPRIV);
		return;
	}
	const char *opts[] = { "--reuid=65534", "--regid=65534", "--clear-groups",
			       reaper_path(), "--caps", "none", NULL };
	const char *cmd[] = { helper_path("showprivs"), NULL };
	char *argv[16];
	build_argv(argv, sizeof argv / sizeof argv[0], SETPRIV, opts, cmd);
	struct run r;
	run_start(&r, RUN_HOST, argv, NULL);
	int code = run_wait(&r, TIMEOUT_MS);
	ck_assert_msg(code == 0, "exit %d, want 0; stderr: %s", code, r.err);
	static const char *const sets[] = { "capprm", "capeff", "capinh", "capamb" };
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		char got[64];
		showprivs_value(r.out, sets[i], got, sizeof got, "--caps none");
		ck_assert_msg(parse_mask(got, sets[i]) == 0, "%s is %s", sets[i], got);
	}
	char bnd[64];
	showprivs_value(r.out, "capbnd", bnd, sizeof bnd, "--caps none");
	ck_assert_msg(parse_mask(bnd, "capbnd") == parse_mask_field(getpid(), "CapBnd"),
		      "capbnd %s changed", bnd);
	expect_shown(r.out, "nonewprivs", "1", "--caps none without cap_setpcap");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("privs");
	TCase *tc = tcase_create("ids");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_user_ids, 0, N_ID_CASES * N_WHERES);
	tcase_add_loop_test(tc, test_user_home, 0, N_HOME_ROWS * N_WHERES);
	suite_add_tcase(s, tc);

	tc = tcase_create("caps");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_caps, 0, N_CAP_ROWS * N_WHERES);
	tcase_add_loop_test(tc, test_bind_low_port, 0, N_BIND_ROWS);
	suite_add_tcase(s, tc);

	tc = tcase_create("no_new_privs");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_no_new_privs, 0, N_NNP_ROWS * N_WHERES);
	suite_add_tcase(s, tc);

	tc = tcase_create("reaper");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_reaper_keeps_only_cap_kill, 0, 2 * N_WHERES);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_bad_spec, 0, N_ERROR_ROWS * N_WHERES);
	tcase_add_test(tc, test_caps_not_held);
	tcase_add_test(tc, test_bounding_without_setpcap);
	suite_add_tcase(s, tc);

	tc = tcase_create("already_true");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_already_true, 0, N_ALREADY_ROWS * N_WHERES);
	suite_add_tcase(s, tc);

	tc = tcase_create("env_errors");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_env_errors_name_the_variable, 0, N_ENV_ERROR_ROWS);
	suite_add_tcase(s, tc);
	return s;
}
