/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP over TLS: Sofia-SIP's TLS transport reads its key and certificate
 * from agent.pem and its CAs from cafile.pem in one directory
 * (TPTAG_CERTIFICATE). Operators name the files they have (a key and a
 * certificate, as from any CA or ACME client); this builds that directory
 * in the run directory, checks the PEM types first so a wrong file is
 * reported by the setting's name, and removes it after start. */
#include "config.h"

#include "gateway/sip_tls.h"

#include "common/settings.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PEM_MAX (1 << 20)

/* The whole of path (at most PEM_MAX bytes, NUL-terminated) in *out. */
static int read_pem(const char *key, const char *path, const char *want, char **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	*out = NULL;
	if (!f) {
		int e = errno;
		snprintf(err, errlen, "[sip] %s: %s: %s", key, path, strerror(e));
		return -e;
	}
	buf = malloc(PEM_MAX + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n = fread(buf, 1, PEM_MAX + 1, f);
	fclose(f);
	buf[n > PEM_MAX ? PEM_MAX : n] = '\0';
	if (n > PEM_MAX || !strstr(buf, want)) {
		snprintf(err, errlen, "[sip] %s: %s: %s", key, path,
			 n > PEM_MAX           ? "larger than 1 MiB"
			 : strstr(want, "KEY") ? "no PEM private key in it"
					       : "no PEM certificate in it");
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	return 0;
}

/* 1 when the first key in key_pem is the first certificate's in cert_pem. */
static int key_fits(const char *key_pem, const char *cert_pem)
{
	BIO *kb = BIO_new_mem_buf(key_pem, -1), *cb = BIO_new_mem_buf(cert_pem, -1);
	EVP_PKEY *key = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
	X509 *cert = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
	int ok = key && cert && X509_check_private_key(cert, key) == 1;

	EVP_PKEY_free(key);
	X509_free(cert);
	BIO_free(kb);
	BIO_free(cb);
	return ok;
}

static int write_file(const char *dir, const char *name, const char *a, const char *b, char *err, size_t errlen)
{
	char path[600];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	ok = write(fd, a, strlen(a)) == (ssize_t)strlen(a) && write(fd, "\n", 1) == 1 &&
	     (!b || write(fd, b, strlen(b)) == (ssize_t)strlen(b));
	if (close(fd) < 0 || !ok) {
		snprintf(err, errlen, "%s: cannot write", path);
		return -EIO;
	}
	return 0;
}

int gw_sip_tls_dir(const struct tandem_settings *s, char *dir, size_t len, char *err, size_t errlen)
{
	char run[256], *key = NULL, *cert = NULL, *ca = NULL;
	int rc;

	if ((rc = read_pem("tls_key", s->sip_tls_key, "PRIVATE KEY-----", &key, err, errlen)) < 0 ||
	    (rc = read_pem("tls_certificate", s->sip_tls_cert, "-----BEGIN CERTIFICATE-----", &cert, err, errlen)) <
		0 ||
	    (s->sip_tls_ca[0] &&
	     (rc = read_pem("tls_ca", s->sip_tls_ca, "-----BEGIN CERTIFICATE-----", &ca, err, errlen)) < 0))
		goto out;
	if (!key_fits(key, cert)) {
		snprintf(err, errlen, "[sip] tls_key: %s: not the key of tls_certificate %s (or unreadable)",
			 s->sip_tls_key, s->sip_tls_cert);
		rc = -EINVAL;
		goto out;
	}
	settings_run_dir(run, sizeof(run));
	(void)mkdir(run, 0755);
	snprintf(dir, len, "%s/tls-%ld", run, (long)getpid());
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(-rc));
		goto out;
	}
	if ((rc = write_file(dir, "agent.pem", key, cert, err, errlen)) < 0 ||
	    (rc = write_file(dir, "cafile.pem", ca ? ca : cert, NULL, err, errlen)) < 0)
		gw_sip_tls_dir_remove(dir);
out:
	if (key)
		explicit_bzero(key, strlen(key));
	free(key);
	free(cert);
	free(ca);
	return rc;
}

void gw_sip_tls_dir_remove(const char *dir)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/agent.pem", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cafile.pem", dir);
	unlink(path);
	rmdir(dir);
}
