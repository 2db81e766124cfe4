/*
 * check_static_names: the static build resolves --user and --caps names in
 * an image that holds nothing but itself, a static busybox, /etc/passwd
 * and /etc/group (issue 5, test 7).
 *
 * Each case builds such a root under a fresh mkdtemp directory:
 *
 *   /reaper       build/reaper-static (make static)
 *   /busybox      /bin/busybox (Debian's busybox-static)
 *   /etc/passwd   users of our own, none of them the host's but root
 *   /etc/group    groups listing those users, and names that merely start
 *                 with theirs ("apps" lists "application")
 *   /proc         empty: a mount point
 *
 * and runs reaper there as a container would: PID 1 of a new PID namespace
 * with /proc mounted and the directory as its root (`unshare --pid --fork
 * --mount-proc=/proc --root=DIR`), and once with a bare `chroot DIR`, no
 * /proc at all. There is no libc, no NSS module and no nsswitch.conf in
 * the root, so only reaper's own reading of the two files can resolve the
 * names; a dynamically linked reaper cannot even start. The child reports
 * its ids from /proc/self/status (busybox grep) and its HOME; the
 * environment is emptied first (env -i), so HOME comes from the passwd
 * entry. The directory is removed after each case, the mount goes with the
 * namespace.
 *
 * `make check-integration` builds build/reaper-static and installs
 * busybox-static first. Run by hand, the suite skips, saying so, when
 * either is missing (`make static`, apt-get install busybox-static), or
 * when unshare or chroot cannot be found. Needs root.
 */
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define TIMEOUT_MS 10000
#define BUSYBOX "/bin/busybox"

static const char passwd_text[] =
	"root:x:0:0:root:/root:/busybox\n"
	"app:x:4242:4242:An app:/home/app:/busybox\n"
	"svc:x:4250:4301::/srv/svc:/busybox\n"
	"lonely:x:4260:4260::/home/lonely:/busybox\n"
	"application:x:4270:4270::/home/application:/busybox\n";

static const char group_text[] =
	"root:x:0:\n"
	"app:x:4242:\n"
	"web:x:4300:app,svc\n"
	"logs:x:4301:svc,app\n"
	"apps:x:4302:application\n"
	"media:x:4303:apprentice,application\n"
	"lonely:x:4260:\n";

static const char *static_reaper_path(void)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s-static", reaper_path());
	return path;
}

/* Does the 64-bit ELF file at path ask for a program interpreter (i.e.
 * is it dynamically linked)? false also when it is not such a file. */
static bool needs_interpreter(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	Elf64_Ehdr eh;
	bool dynamic = false;
	if (pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh &&
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == ELFCLASS64) {
		for (unsigned i = 0; i < eh.e_phnum && !dynamic; i++) {
			Elf64_Phdr ph;
			off_t at = (off_t)eh.e_phoff + (off_t)i * eh.e_phentsize;
			if (pread(fd, &ph, sizeof ph, at) != (ssize_t)sizeof ph)
				break;
			dynamic = ph.p_type == PT_INTERP;
		}
	}
	(void)close(fd); /* read-only */
	return dynamic;
}

/* Why this machine cannot run the case, or NULL. */
static const char *cannot_run(void)
{
	if (access(static_reaper_path(), X_OK) != 0)
		return "build/reaper-static is missing: run `make static`";
	if (access(BUSYBOX, X_OK) != 0)
		return BUSYBOX " is missing: apt-get install busybox-static (make deps does not)";
	if (needs_interpreter(BUSYBOX))
		return BUSYBOX " is dynamically linked: install busybox-static";
	return NULL;
}

/* ---- the image ---------------------------------------------------------- */

struct image {
	char dir[64];
};

static void image_path(const struct image *im, const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", im->dir, name);
	ck_assert_msg(n > 0 && (size_t)n < size, "path too long: %s/%s", im->dir, name);
}

static void write_file(const struct image *im, const char *name, const char *text, size_t len,
		       mode_t mode)
{
	char path[256];
	image_path(im, name, path, sizeof path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	while (len > 0) {
		ssize_t n = write(fd, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_msg(n > 0, "write %s: %s", path, strerror(errno));
		text += n;
		len -= (size_t)n;
	}
	ck_assert_msg(close(fd) == 0, "close %s: %s", path, strerror(errno));
	ck_assert_msg(chmod(path, mode) == 0, "chmod %s: %s", path, strerror(errno)); /* umask */
}

static void copy_file(const struct image *im, const char *from, const char *name)
{
	int fd = open(from, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "%s: %s", from, strerror(errno));
	struct stat st;
	ck_assert_msg(fstat(fd, &st) == 0, "fstat %s: %s", from, strerror(errno));
	char *data = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(data);
	size_t len = 0;
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, data + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_msg(n > 0, "read %s: %s", from, n < 0 ? strerror(errno) : "short file");
		len += (size_t)n;
	}
	(void)close(fd); /* read-only */
	write_file(im, name, data, len, 0755);
	free(data);
}

static void image_create(struct image *im)
{
	snprintf(im->dir, sizeof im->dir, "/tmp/reaper-check-static-XXXXXX");
	ck_assert_msg(mkdtemp(im->dir) != NULL, "mkdtemp: %s", strerror(errno));
	/* mkdtemp makes it 0700: the users below must reach /busybox. */
	ck_assert_msg(chmod(im->dir, 0755) == 0, "chmod %s: %s", im->dir, strerror(errno));
	char path[256];
	static const char *const dirs[] = { "etc", "proc" };
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		image_path(im, dirs[i], path, sizeof path);
		ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s: %s", path, strerror(errno));
	}
	copy_file(im, static_reaper_path(), "reaper");
	copy_file(im, BUSYBOX, "busybox");
	write_file(im, "etc/passwd", passwd_text, sizeof passwd_text - 1, 0644);
	write_file(im, "etc/group", group_text, sizeof group_text - 1, 0644);
}

/* Remove what image_create made and what a command that should not have
 * run may have left (/ran). */
static void image_remove(struct image *im)
{
	static const char *const files[] = { "reaper", "busybox", "etc/passwd", "etc/group", "ran" };
	static const char *const dirs[] = { "etc", "proc" };
	char path[256];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		image_path(im, files[i], path, sizeof path);
		ck_assert_msg(unlink(path) == 0 || errno == ENOENT, "unlink %s: %s", path,
			      strerror(errno));
	}
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		image_path(im, dirs[i], path, sizeof path);
		ck_assert_msg(rmdir(path) == 0, "rmdir %s: %s", path, strerror(errno));
	}
	ck_assert_msg(rmdir(im->dir) == 0, "rmdir %s: %s", im->dir, strerror(errno));
}

/* ---- running in it ------------------------------------------------------ */

enum how {
	HOW_CONTAINER, /* unshare --pid --fork --mount-proc=/proc --root=DIR */
	HOW_CHROOT,    /* chroot DIR, no /proc */
};

/* env -i [HOME=home] <container or chroot> /reaper OPTS... -- CMD...; the
 * exit code, the output in r. */
static int run_in_image(struct run *r, const struct image *im, enum how how, const char *home,
			const char *const *opts, const char *const *cmd)
{
	static char env[4096], unshare[4096], chroot_path[4096];
	ck_assert_msg(find_program("env", env, sizeof env) != NULL, "env(1) not found");
	char home_var[128], root_opt[128];
	char *argv[32];
	size_t argc = 0;
	argv[argc++] = env;
	argv[argc++] = "-i";
	if (home != NULL) {
		snprintf(home_var, sizeof home_var, "HOME=%s", home);
		argv[argc++] = home_var;
	}
	if (how == HOW_CONTAINER) {
		ck_assert_msg(find_program("unshare", unshare, sizeof unshare) != NULL,
			      "unshare(1) not found");
		snprintf(root_opt, sizeof root_opt, "--root=%s", im->dir);
		argv[argc++] = unshare;
		argv[argc++] = "--pid";
		argv[argc++] = "--fork";
		argv[argc++] = "--kill-child";
		/* After the chroot: /proc of the new root, in a mount
		 * namespace of its own that goes away with it. */
		argv[argc++] = "--mount-proc=/proc";
		argv[argc++] = root_opt;
	} else {
		ck_assert_msg(find_program("chroot", chroot_path, sizeof chroot_path) != NULL,
			      "chroot(8) not found");
		argv[argc++] = chroot_path;
		argv[argc++] = (char *)im->dir;
	}
	argv[argc++] = "/reaper";
	for (size_t i = 0; opts[i] != NULL; i++)
		argv[argc++] = (char *)opts[i];
	argv[argc++] = "--";
	for (size_t i = 0; cmd[i] != NULL; i++)
		argv[argc++] = (char *)cmd[i];
	ck_assert(argc < sizeof argv / sizeof argv[0]);
	argv[argc] = NULL;
	run_start(r, RUN_HOST, argv, NULL);
	return run_wait(r, TIMEOUT_MS);
}

/* The line of text that starts with prefix, after it, tabs made spaces
 * and trailing blanks cut; false when there is none. */
static bool line_after(const char *text, const char *prefix, char *buf, size_t size)
{
	size_t plen = strlen(prefix);
	for (const char *p = text; *p != '\0';) {
		size_t len = strcspn(p, "\n");
		if (len >= plen && strncmp(p, prefix, plen) == 0) {
			const char *v = p + plen;
			size_t vlen = len - plen;
			while (vlen > 0 && (*v == '\t' || *v == ' '))
				v++, vlen--;
			while (vlen > 0 && (v[vlen - 1] == '\t' || v[vlen - 1] == ' '))
				vlen--;
			snprintf(buf, size, "%.*s", (int)vlen, v);
			for (char *c = buf; *c != '\0'; c++)
				if (*c == '\t')
					*c = ' ';
			return true;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	return false;
}

static int compare_longs(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

/* A space-separated list of ids, sorted and without repeats. */
static void sort_ids(const char *list, char *out, size_t size)
{
	long ids[64];
	size_t n = 0;
	for (const char *p = list; *p != '\0' && n < 64;) {
		char *end;
		long v = strtol(p, &end, 10);
		ck_assert_msg(end != p, "not a list of ids: '%s'", list);
		ids[n++] = v;
		p = end;
		while (*p == ' ')
			p++;
	}
	qsort(ids, n, sizeof ids[0], compare_longs);
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && ids[i] == ids[i - 1])
			continue;
		used += (size_t)snprintf(out + used, size - used, "%s%ld", used ? " " : "", ids[i]);
		ck_assert(used < size);
	}
}

/* ---- names resolve ------------------------------------------------------ */

static const struct {
	const char *spec;    /* --user */
	const char *uid;     /* each of the four in /proc/self/status */
	const char *gid;
	const char *groups;  /* supplementary, sorted */
	const char *home;    /* HOME, "(unset)" when there was none to give */
} user_rows[] = {
	{ "app", "4242", "4242", "4242 4300 4301", "/home/app" },
	{ "4242", "4242", "4242", "4242 4300 4301", "/home/app" },
	{ "app:web", "4242", "4300", "4300 4301", "/home/app" },
	{ "app:4400", "4242", "4400", "4300 4301 4400", "/home/app" },
	{ "svc", "4250", "4301", "4300 4301", "/srv/svc" },
	{ "lonely", "4260", "4260", "4260", "/home/lonely" },
	{ "application", "4270", "4270", "4270 4302 4303", "/home/application" },
	{ "5000", "5000", "0", "", "(unset)" },          /* no entry: no groups */
	{ "5000:web", "5000", "4300", "", "(unset)" },
};
#define N_USER_ROWS (int)(sizeof user_rows / sizeof user_rows[0])

static const char *const report_ids[] = {
	"/busybox", "sh", "-c",
	"/busybox grep -E '^(Uid|Gid|Groups):' /proc/self/status; echo \"home ${HOME-(unset)}\"",
	NULL,
};

/* Create the image for one test, or say why this host cannot run it
 * (test_skip) and return false: then the caller returns at once. */
static bool image_ready(struct image *im)
{
	const char *why = cannot_run();
	if (why != NULL) {
		test_skip(why);
		return false;
	}
	image_create(im);
	return true;
}

START_TEST(test_user_names)
{
	struct image im;
	if (!image_ready(&im))
		return;
	const char *opts[] = { "--user", user_rows[_i].spec, NULL };
	struct run r;
	int code = run_in_image(&r, &im, HOW_CONTAINER, NULL, opts, report_ids);
	image_remove(&im);
	const char *spec = user_rows[_i].spec;
	ck_assert_msg(code == 0, "--user %s: exit %d\n--- stdout:\n%s\n--- stderr:\n%s", spec, code,
		      r.out, r.err);

	char got[512], want[128], sorted[512];
	ck_assert_msg(line_after(r.out, "Uid:", got, sizeof got), "--user %s: no Uid line:\n%s",
		      spec, r.out);
	snprintf(want, sizeof want, "%s %s %s %s", user_rows[_i].uid, user_rows[_i].uid,
		 user_rows[_i].uid, user_rows[_i].uid);
	ck_assert_msg(strcmp(got, want) == 0, "--user %s: Uid '%s', want '%s'", spec, got, want);
	ck_assert_msg(line_after(r.out, "Gid:", got, sizeof got), "--user %s: no Gid line:\n%s",
		      spec, r.out);
	snprintf(want, sizeof want, "%s %s %s %s", user_rows[_i].gid, user_rows[_i].gid,
		 user_rows[_i].gid, user_rows[_i].gid);
	ck_assert_msg(strcmp(got, want) == 0, "--user %s: Gid '%s', want '%s'", spec, got, want);
	ck_assert_msg(line_after(r.out, "Groups:", got, sizeof got),
		      "--user %s: no Groups line:\n%s", spec, r.out);
	sort_ids(got, sorted, sizeof sorted);
	ck_assert_msg(strcmp(sorted, user_rows[_i].groups) == 0,
		      "--user %s: supplementary groups '%s', want '%s'", spec, sorted,
		      user_rows[_i].groups);
	ck_assert_msg(line_after(r.out, "home ", got, sizeof got), "--user %s: no home line:\n%s",
		      spec, r.out);
	ck_assert_msg(strcmp(got, user_rows[_i].home) == 0, "--user %s: HOME '%s', want '%s'", spec,
		      got, user_rows[_i].home);
}
END_TEST

/* A bare chroot, the brief's own recipe: no /proc and reaper not PID 1;
 * busybox id reports the ids (egid first in -G, then the rest). */
START_TEST(test_user_names_bare_chroot)
{
	struct image im;
	if (!image_ready(&im))
		return;
	const char *opts[] = { "-u", "app:web", NULL };
	static const char *const cmd[] = {
		"/busybox", "sh", "-c",
		"echo \"uid $(/busybox id -u)\"; echo \"gid $(/busybox id -g)\"; "
		"echo \"groups $(/busybox id -G)\"; echo \"home $HOME\"",
		NULL,
	};
	struct run r;
	int code = run_in_image(&r, &im, HOW_CHROOT, "/from-env", opts, cmd);
	image_remove(&im);
	ck_assert_msg(code == 0, "chroot, -u app:web: exit %d\n--- stdout:\n%s\n--- stderr:\n%s",
		      code, r.out, r.err);
	char got[256], sorted[256];
	ck_assert_msg(line_after(r.out, "uid ", got, sizeof got) && strcmp(got, "4242") == 0,
		      "chroot, -u app:web: want uid 4242:\n%s", r.out);
	ck_assert_msg(line_after(r.out, "gid ", got, sizeof got) && strcmp(got, "4300") == 0,
		      "chroot, -u app:web: want gid 4300:\n%s", r.out);
	ck_assert_msg(line_after(r.out, "groups ", got, sizeof got), "no groups line:\n%s", r.out);
	sort_ids(got, sorted, sizeof sorted);
	ck_assert_msg(strcmp(sorted, "4300 4301") == 0,
		      "chroot, -u app:web: id -G '%s', want 4300 4301", got);
	/* HOME was set: left alone. */
	ck_assert_msg(line_after(r.out, "home ", got, sizeof got) && strcmp(got, "/from-env") == 0,
		      "chroot, -u app:web: want HOME /from-env:\n%s", r.out);
}
END_TEST

/* Capability names come from libcap (libcap.a in the static build). */
START_TEST(test_caps_names)
{
	struct image im;
	if (!image_ready(&im))
		return;
	const char *opts[] = { "--user", "app", "--caps", "NET_BIND_SERVICE,cap_chown", NULL };
	static const char *const cmd[] = {
		"/busybox", "grep", "-E", "^Cap(Inh|Prm|Eff|Bnd|Amb):", "/proc/self/status", NULL,
	};
	struct run r;
	int code = run_in_image(&r, &im, HOW_CONTAINER, NULL, opts, cmd);
	image_remove(&im);
	ck_assert_msg(code == 0, "--caps: exit %d\n--- stdout:\n%s\n--- stderr:\n%s", code, r.out,
		      r.err);
	static const char *const sets[] = { "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:" };
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		char got[64];
		ck_assert_msg(line_after(r.out, sets[i], got, sizeof got), "no %s line:\n%s", sets[i],
			      r.out);
		/* CAP_NET_BIND_SERVICE (10) and CAP_CHOWN (0) */
		ck_assert_msg(strcmp(got, "0000000000000401") == 0, "%s %s, want 0000000000000401",
			      sets[i], got);
	}
}
END_TEST

/* Names the image does not have, even where the host does ("nobody"). */
static const struct {
	const char *opts[5];
	const char *want; /* stderr */
} unknown_rows[] = {
	{ { "--user", "nobody" }, "reaper: --user: unknown user 'nobody'\n" },
	{ { "--user", "app:nogroup" }, "reaper: --user: unknown group 'nogroup'\n" },
	{ { "--user", "apps" }, "reaper: --user: unknown user 'apps'\n" },
	{ { "--user", "app", "--caps", "nosuchcap" },
	  "reaper: --caps: unknown capability 'nosuchcap'\n" },
};
#define N_UNKNOWN_ROWS (int)(sizeof unknown_rows / sizeof unknown_rows[0])

START_TEST(test_unknown_names)
{
	struct image im;
	if (!image_ready(&im))
		return;
	/* The image's root is 0755 root-owned: run the marker as root. */
	static const char *const cmd[] = { "/busybox", "touch", "/ran", NULL };
	struct run r;
	int code = run_in_image(&r, &im, HOW_CONTAINER, NULL, unknown_rows[_i].opts, cmd);
	char marker[256];
	image_path(&im, "ran", marker, sizeof marker);
	bool ran = access(marker, F_OK) == 0;
	image_remove(&im);
	const char *what = unknown_rows[_i].opts[unknown_rows[_i].opts[2] ? 3 : 1];
	ck_assert_msg(code == 125, "%s: exit %d, want 125; stderr: %s", what, code, r.err);
	ck_assert_msg(strcmp(r.err, unknown_rows[_i].want) == 0, "%s: stderr [%s], want [%s]", what,
		      r.err, unknown_rows[_i].want);
	ck_assert_msg(r.out_len == 0, "%s: unexpected stdout [%s]", what, r.out);
	ck_assert_msg(!ran, "%s: the command ran", what);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("static_names");
	TCase *tc = tcase_create("image");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_user_names, 0, N_USER_ROWS);
	tcase_add_test(tc, test_user_names_bare_chroot);
	tcase_add_test(tc, test_caps_names);
	tcase_add_loop_test(tc, test_unknown_names, 0, N_UNKNOWN_ROWS);
	suite_add_tcase(s, tc);
	return s;
}
