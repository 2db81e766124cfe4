/*
 * passwd: /etc/passwd and /etc/group entries from their text.
 *
 * Owns: the file formats. Never: a system call, an allocation, NSS.
 * Lines that do not have the expected fields are skipped, as glibc's files
 * backend does, so one bad line cannot hide the entries after it.
 */
#include "passwd.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "parse.h"

#define MAX_FIELDS 7

/* Split the line at text into at most MAX_FIELDS ':'-separated fields
 * (pointers and lengths). Returns the field count and sets *next to the
 * start of the following line. */
static size_t split_line(const char *text, const char **next,
			 const char *field[MAX_FIELDS], size_t len[MAX_FIELDS])
{
	const char *end = strchr(text, '\n');
	if (end == NULL)
		end = text + strlen(text);
	*next = *end == '\n' ? end + 1 : end;

	size_t count = 0;
	const char *p = text;
	while (count < MAX_FIELDS) {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		const char *stop = colon != NULL ? colon : end;
		field[count] = p;
		len[count] = (size_t)(stop - p);
		count++;
		if (colon == NULL)
			break;
		p = colon + 1;
	}
	return count;
}

/* A NULL text reads as an empty file: no entries. */
static const char *or_empty(const char *text)
{
	return text != NULL ? text : "";
}

static bool field_is(const char *field, size_t len, const char *value)
{
	return strlen(value) == len && memcmp(field, value, len) == 0;
}

/* A decimal id field; false when it is not one. */
static bool field_id(const char *field, size_t len, unsigned long *id)
{
	char buf[16];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, field, len);
	buf[len] = '\0';
	return parse_uint(buf, UINT32_MAX - 1, id) == 0;
}

static void copy_field(char *out, size_t size, const char *field, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(out, field, len);
	out[len] = '\0';
}

/* A spec is numeric when it is all digits; then *id is set. -ERANGE when
 * too large, -EINVAL when empty. 1 numeric, 0 a name. */
static int spec_kind(const char *spec, unsigned long *id)
{
	if (spec == NULL || *spec == '\0')
		return -EINVAL;
	if (strspn(spec, "0123456789") != strlen(spec))
		return strlen(spec) < PASSWD_NAME_MAX ? 0 : -EINVAL;
	int err = parse_uint(spec, UINT32_MAX - 1, id); /* (uid_t)-1 means "unchanged" */
	return err < 0 ? err : 1;
}

int passwd_find_user(const char *passwd_text, const char *spec, struct passwd_user *user)
{
	unsigned long want_id = 0;
	int kind = spec_kind(spec, &want_id);

	if (kind < 0)
		return kind;
	for (const char *line = or_empty(passwd_text); *line != '\0';) {
		const char *field[MAX_FIELDS];
		size_t len[MAX_FIELDS];
		unsigned long uid, gid;
		size_t n = split_line(line, &line, field, len);
		if (n < 7 || !field_id(field[2], len[2], &uid) || !field_id(field[3], len[3], &gid))
			continue;
		if (kind == 1 ? uid != want_id : !field_is(field[0], len[0], spec))
			continue;
		/* A name or home we would have to cut is refused, not shortened:
		 * a cut name would look the wrong groups up. */
		if (len[0] >= sizeof(user->name) || len[5] >= sizeof(user->home))
			return -ENAMETOOLONG;
		user->found = true;
		copy_field(user->name, sizeof(user->name), field[0], len[0]);
		user->uid = (uid_t)uid;
		user->gid = (gid_t)gid;
		copy_field(user->home, sizeof(user->home), field[5], len[5]);
		return 0;
	}
	if (kind == 0)
		return -ENOENT;
	memset(user, 0, sizeof(*user));
	user->uid = (uid_t)want_id;
	return 0;
}

int passwd_find_group(const char *group_text, const char *spec, gid_t *gid)
{
	unsigned long want_id = 0;
	int kind = spec_kind(spec, &want_id);

	if (kind < 0)
		return kind;
	if (kind == 1) {
		*gid = (gid_t)want_id;
		return 0;
	}
	for (const char *line = or_empty(group_text); *line != '\0';) {
		const char *field[MAX_FIELDS];
		size_t len[MAX_FIELDS];
		unsigned long id;
		size_t n = split_line(line, &line, field, len);
		if (n < 3 || !field_id(field[2], len[2], &id) || !field_is(field[0], len[0], spec))
			continue;
		*gid = (gid_t)id;
		return 0;
	}
	return -ENOENT;
}

/* true when the comma-separated member list names name. */
static bool lists_member(const char *members, size_t len, const char *name)
{
	size_t name_len = strlen(name);
	const char *end = members + len;

	for (const char *p = members; p < end;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma != NULL ? comma : end;
		if ((size_t)(stop - p) == name_len && memcmp(p, name, name_len) == 0)
			return true;
		p = stop + 1;
	}
	return false;
}

/* Append gid unless present; past max, count max + 1 ("more") once. */
static size_t add_group(gid_t *groups, size_t count, size_t max, gid_t gid)
{
	for (size_t i = 0; i < count && i < max; i++)
		if (groups[i] == gid)
			return count;
	if (count < max)
		groups[count] = gid;
	return count < max ? count + 1 : max + 1;
}

size_t passwd_user_groups(const char *group_text, const char *name, gid_t primary,
			  gid_t *groups, size_t max)
{
	size_t count = add_group(groups, 0, max, primary);

	for (const char *line = or_empty(group_text); *line != '\0';) {
		const char *field[MAX_FIELDS];
		size_t len[MAX_FIELDS];
		unsigned long id;
		size_t n = split_line(line, &line, field, len);
		if (n < 4 || !field_id(field[2], len[2], &id))
			continue;
		if (lists_member(field[3], len[3], name))
			count = add_group(groups, count, max, (gid_t)id);
	}
	return count;
}
