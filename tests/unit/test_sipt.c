/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: SIP-T bodies (isup/sipt.c): what we build parses back; bodies
 * written by hand the way other implementations send them (quoted
 * boundary, bare LF, preamble, folded and oddly cased headers, unknown
 * parts); every refusal with its code; every truncation. */
#include "config.h"

#include "isup/sipt.h"
#include "tests/tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
			  "m=audio 4000 RTP/AVP 8\r\n";
/* A REL, cause 16: its bytes hold CR, LF and '-' on purpose. */
static const uint8_t isup_bytes[] = {0x0c, 0x02, 0x00, 0x02, 0x0d, 0x0a, 0x2d, 0x2d, 0x0a};

static int parse_str(const char *ctype, const char *cdisp, const char *body, struct tsipt_body *out, char *err)
{
	return tsipt_parse(ctype, cdisp, (const uint8_t *)body, strlen(body), out, err, 200);
}

static void test_build_parse(void)
{
	struct tsipt_body in = {0}, out;
	uint8_t body[2048];
	char ctype[128], err[200];
	size_t len = 0;
	int rc;

	in.sdp = sdp;
	in.sdp_len = strlen(sdp);
	in.isup = isup_bytes;
	in.isup_len = sizeof(isup_bytes);
	in.variant = TISUP_ITU;
	rc = tsipt_build(&in, body, sizeof(body), &len, ctype, sizeof(ctype), err, sizeof(err));
	is_int(rc, 0, "build SDP + ISUP");
	is_str(ctype, "multipart/mixed; boundary=unique-boundary-1", "Content-Type value");
	ok(memmem(body, len, "Content-Type: application/ISUP; version=itu-t92+\r\n", 50) != NULL,
	   "ISUP part type and version");
	ok(memmem(body, len, "Content-Disposition: signal; handling=optional\r\n\r\n", 50) != NULL,
	   "handling=optional by default");
	ok(len > 25 && memcmp(body + len - 25, "\r\n--unique-boundary-1--\r\n", 25) == 0, "close delimiter at the end");
	rc = tsipt_parse(ctype, NULL, body, len, &out, err, sizeof(err));
	is_int(rc, 0, "parses back");
	ok(out.sdp && out.sdp_len == strlen(sdp) && memcmp(out.sdp, sdp, out.sdp_len) == 0, "SDP part exact");
	ok(out.isup && out.isup_len == sizeof(isup_bytes) && memcmp(out.isup, isup_bytes, out.isup_len) == 0,
	   "ISUP part exact (binary, with CR/LF inside)");
	ok(out.variant == TISUP_ITU && out.required == 0 && strcmp(out.version, "itu-t92+") == 0,
	   "version, variant, handling");

	/* ANSI, required, no SDP. */
	in.sdp = NULL;
	in.sdp_len = 0;
	in.variant = TISUP_ANSI;
	in.required = 1;
	rc = tsipt_build(&in, body, sizeof(body), &len, ctype, sizeof(ctype), err, sizeof(err));
	is_int(rc, 0, "build ISUP only");
	rc = tsipt_parse(ctype, NULL, body, len, &out, err, sizeof(err));
	ok(rc == 0 && !out.sdp && out.variant == TISUP_ANSI && out.required == 1 && strcmp(out.version, "ansi00") == 0,
	   "ANSI, required, no SDP");

	/* A part containing the first boundary: the builder picks another. */
	in.isup = (const uint8_t *)"\x0c--unique-boundary-1";
	in.isup_len = 20;
	rc = tsipt_build(&in, body, sizeof(body), &len, ctype, sizeof(ctype), err, sizeof(err));
	is_str(ctype, "multipart/mixed; boundary=unique-boundary-2", "boundary avoids the content");
	rc = tsipt_parse(ctype, NULL, body, len, &out, err, sizeof(err));
	ok(rc == 0 && out.isup_len == 20 && memcmp(out.isup, in.isup, 20) == 0, "content with the old boundary");

	/* Too small buffers, every size. */
	in.isup = isup_bytes;
	in.isup_len = sizeof(isup_bytes);
	in.sdp = sdp;
	in.sdp_len = strlen(sdp);
	tsipt_build(&in, body, sizeof(body), &len, ctype, sizeof(ctype), err, sizeof(err));
	{
		size_t full = len, bad = 0;

		for (size_t s = 0; s < full; s++)
			if (tsipt_build(&in, body, s, &len, ctype, sizeof(ctype), err, sizeof(err)) != -ENOSPC)
				bad++;
		is_int(bad, 0, "every body buffer smaller than %zu octets: -ENOSPC", full);
	}
	is_int(tsipt_build(&in, body, sizeof(body), &len, ctype, 20, err, sizeof(err)), -ENOSPC,
	       "Content-Type buffer too small");
	in.isup = NULL;
	is_int(tsipt_build(&in, body, sizeof(body), &len, ctype, sizeof(ctype), err, sizeof(err)), -EINVAL,
	       "no ISUP: refused");
	is_str(err, "SIP-T body: no ISUP message", "says why");
}

/* Bodies as others write them. */
static void test_foreign(void)
{
	struct tsipt_body out;
	char err[200];
	int rc;

	/* RFC 3372's example shape: quoted boundary, preamble, epilogue,
	 * headers in other cases, extra parameters. */
	rc = parse_str("Multipart/Mixed ; charset=x; boundary=\"a b:c\"", NULL,
		       "This is a preamble\r\n--a b:c\r\ncontent-TYPE:  application/SDP\r\n\r\nv=0\r\n"
		       "\r\n--a b:c  \r\nCONTENT-type: application/isup; base=itu-t92+; version=nxv3\r\n"
		       "content-disposition: signal;handling=optional\r\n\r\nABC\r\n--a b:c--\r\nepilogue --a b:c\r\n",
		       &out, err);
	is_int(rc, 0, "quoted boundary, preamble, padding, epilogue: %s", rc ? err : "ok");
	ok(out.sdp && out.sdp_len == 5 && memcmp(out.sdp, "v=0\r\n", 5) == 0, "SDP part");
	ok(out.isup && out.isup_len == 3 && memcmp(out.isup, "ABC", 3) == 0, "ISUP part");
	ok(out.variant == TISUP_ITU && strcmp(out.version, "nxv3") == 0 && strcmp(out.base, "itu-t92+") == 0,
	   "unknown version, known base: the base decides");

	/* Bare LF, no preamble, folded header, an unknown part. */
	rc = parse_str("multipart/mixed;boundary=XX", NULL,
		       "--XX\nContent-Type: text/plain\n\nhello\n--XX\nContent-Type:\n application/ISUP;\n"
		       "  version=ansi88\n\n\x01\x02\n--XX--",
		       &out, err);
	is_int(rc, 0, "bare LF, folded header, an unknown part ignored: %s", rc ? err : "ok");
	ok(out.isup && out.isup_len == 2 && out.isup[0] == 1 && out.variant == TISUP_ANSI, "ANSI by ansi88");
	ok(!out.sdp && out.required == 1, "no SDP; no handling: required (RFC 3261 20.11)");

	/* A single-part body. */
	rc = tsipt_parse("application/ISUP; version=itu-t92+", "signal; handling=optional", (const uint8_t *)"\x10\x00",
			 2, &out, err, sizeof(err));
	ok(rc == 0 && out.isup_len == 2 && out.variant == TISUP_ITU && out.required == 0, "single part ISUP");
	rc = parse_str("application/sdp", NULL, "v=0\r\n", &out, err);
	ok(rc == 0 && out.sdp_len == 5 && !out.isup, "SDP alone");

	/* Unsupported: required + unknown version, or unknown type. */
	rc = parse_str("multipart/mixed; boundary=b", NULL,
		       "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b\r\n"
		       "Content-Type: application/ISUP; version=ttc93+\r\nContent-Disposition: signal; "
		       "handling=required\r\n\r\nXY\r\n--b--\r\n",
		       &out, err);
	is_int(rc, -ENOTSUP, "required + unknown version: -ENOTSUP (answer 415)");
	is_str(err, "application/ISUP version \"ttc93+\" is not supported (handling=required)", "says which");
	ok(out.sdp && out.isup && out.variant == -1, "parts still returned");
	rc = parse_str("multipart/mixed; boundary=b", NULL,
		       "--b\r\nContent-Type: application/ISUP; version=ttc93+\r\nContent-Disposition: signal; "
		       "handling=optional\r\n\r\nXY\r\n--b--\r\n",
		       &out, err);
	ok(rc == 0 && out.isup && out.variant == -1, "optional + unknown version: accepted, variant -1");
	rc = parse_str("multipart/mixed; boundary=b", NULL,
		       "--b\r\nContent-Type: application/QSIG\r\nContent-Disposition: signal; handling=required"
		       "\r\n\r\nXY\r\n--b--\r\n",
		       &out, err);
	is_int(rc, -ENOTSUP, "unknown part, handling=required: -ENOTSUP");
	is_str(err, "part 1: application/qsig with handling=required is not supported", "names the part");
	rc = parse_str("text/html", NULL, "<p>", &out, err);
	is_int(rc, -ENOTSUP, "an unknown top-level type: -ENOTSUP");
}

static void test_malformed(void)
{
	static const struct {
		const char *ctype, *body;
		int rc;
		const char *err;
	} cases[] = {
	    {"multipart/mixed", "--b\r\n\r\n--b--", -EINVAL, "multipart/mixed without a boundary parameter"},
	    {"multipart/mixed; boundary=", "x", -EINVAL, "malformed Content-Type parameters"},
	    {"multipart/mixed; boundary=\"b", "x", -EINVAL, "malformed Content-Type parameters"},
	    {"multipart/mixed; boundary=\"\"", "x", -EINVAL, "multipart boundary of 0 characters (1..70)"},
	    {"multipart/mixed; "
	     "boundary=12345678901234567890123456789012345678901234567890123456789012345678901",
	     "x", -EINVAL, "multipart boundary of 71 characters (1..70)"},
	    {"multipart/mixed; boundary=b", "no delimiter here", -EINVAL, "multipart body without the delimiter --b"},
	    {"multipart/mixed; boundary=b", "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n", -EMSGSIZE,
	     "part 1: no closing delimiter (truncated body)"},
	    {"multipart/mixed; boundary=b", "--b", -EMSGSIZE, "multipart body ends after a delimiter"},
	    {"multipart/mixed; boundary=b", "--b junk\r\n\r\n--b--", -EINVAL,
	     "part 1: text after the boundary on its line"},
	    {"multipart/mixed; boundary=b", "--b\r\nno colon\r\n\r\nx\r\n--b--", -EINVAL,
	     "part 1: header line without a colon"},
	    {"multipart/mixed; boundary=b", "--b\r\nContent-Type: application/ISUP; version=itu-t92+\r\n\r\n--b--",
	     -EINVAL, "part 1: empty application/ISUP part"},
	    {"multipart/mixed; boundary=b", "--b\r\nContent-Type: nonsense\r\n\r\nx\r\n--b--", -EINVAL,
	     "part 1: bad Content-Type \"nonsense\""},
	    {"multipart/mixed; boundary=b", "--b\r\nContent-Type: a/b; =x\r\n\r\nx\r\n--b--", -EINVAL,
	     "part 1: malformed Content-Type parameters"},
	    {"", "x", -EINVAL, "no Content-Type"},
	    {"application/ISUP; version=itu-t92+", "", -EINVAL, "part 1: empty application/ISUP part"},
	};
	struct tsipt_body out;
	char err[200];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		err[0] = '\0';
		rc = parse_str(cases[i].ctype, NULL, cases[i].body, &out, err);
		is_int(rc, cases[i].rc, "malformed %zu: code", i);
		is_str(err, cases[i].err, "malformed %zu: message", i);
	}
}

/* Every prefix of a valid body, in a buffer of exactly that size (ASan
 * sees any read past it): refused or shorter parts, never a crash. */
static void test_truncations(void)
{
	struct tsipt_body in = {0}, out;
	uint8_t body[1024];
	char ctype[128], err[200];
	size_t len = 0, bad = 0, refused = 0;

	in.sdp = sdp;
	in.sdp_len = strlen(sdp);
	in.isup = isup_bytes;
	in.isup_len = sizeof(isup_bytes);
	in.variant = TISUP_ITU;
	tsipt_build(&in, body, sizeof(body), &len, ctype, sizeof(ctype), err, sizeof(err));
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		int rc;

		memcpy(copy, body, n);
		rc = tsipt_parse(ctype, NULL, copy, n, &out, err, sizeof(err));
		if (rc == 0 && out.isup && out.isup_len == sizeof(isup_bytes) && n < len - 5)
			bad++; /* a full ISUP part before the close delimiter is there */
		if (rc < 0)
			refused++;
		free(copy);
	}
	is_int(bad, 0, "no prefix yields the whole ISUP part without its delimiter");
	ok(refused >= len - 30, "prefixes refused (%zu of %zu)", refused, len);
}

int main(void)
{
	test_build_parse();
	test_foreign();
	test_malformed();
	test_truncations();
	is_int(tsipt_version_variant("ITU-T92+"), TISUP_ITU, "version names are case-insensitive");
	is_int(tsipt_version_variant("itu-t92"), -1, "itu-t92 (no +) is not a known version");
	return tap_done();
}
