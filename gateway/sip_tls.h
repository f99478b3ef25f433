/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP over TLS: the credentials from [sip] tls_certificate, tls_key and
 * tls_ca laid out as Sofia-SIP reads them (sip_tls.c). */
#ifndef TANDEM_GW_SIP_TLS_H
#define TANDEM_GW_SIP_TLS_H

#include <stddef.h>

struct tandem_settings;

/* Make a private directory (mode 0700) holding agent.pem (the key, then
 * the certificate) and cafile.pem, for TPTAG_CERTIFICATE. Each file is
 * read and checked to hold the PEM it should; err names the setting.
 * Returns 0 with the directory in dir, or a negative errno. */
int gw_sip_tls_dir(const struct tandem_settings *s, char *dir, size_t len, char *err, size_t errlen);

/* Remove the directory once the transports are up: the key is not left
 * in a second place on disk. */
void gw_sip_tls_dir_remove(const char *dir);

#endif
