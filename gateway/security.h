/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Flood and brute-force defence for the SIP side (docs/security.md): per
 * source address, too many requests in a window or too many refusals
 * (403: wrong credentials, unknown source) ban the address for a while.
 * Challenges (401/407) do not count: every digest login begins with one. A banned address is dropped
 * by a socket filter in the kernel, before Sofia reads the datagram or
 * accepts the connection. Trusted addresses (the call layer says which)
 * are never banned. Loop thread only. */
#ifndef TANDEM_GW_SECURITY_H
#define TANDEM_GW_SECURITY_H

#include <sys/socket.h>

struct gw_loop;
struct ctl_out;
struct tandem_settings;
struct gw_sec;

/* Limits from s's [security] section. Returns 0 or -ENOMEM. */
int gw_sec_new(struct gw_loop *loop, const struct tandem_settings *s, struct gw_sec **out);
/* New limits (SIGHUP); bans in force keep their end time. */
void gw_sec_reconfigure(struct gw_sec *sec, const struct tandem_settings *s);
void gw_sec_free(struct gw_sec *sec);

/* trusted(arg, sa): 1 when sa is a configured peer (a SIP trunk's member,
 * a customer's address): such an address is never banned. */
void gw_sec_set_trusted(struct gw_sec *sec, int (*trusted)(void *arg, const struct sockaddr *sa), void *arg);

/* Find this process's UDP sockets and listening TCP sockets bound to port
 * (Sofia's) and filter banned sources on them from now on, besides those of
 * ports guarded before (SIP and SIP over TLS). Returns how many were found
 * on this port. */
int gw_sec_guard_port(struct gw_sec *sec, int port);
/* The guarded sockets (for gateway/overload.c); returns how many. */
int gw_sec_sockets(const struct gw_sec *sec, const int **fds);
/* Forget the guarded sockets (before Sofia closes them). */
void gw_sec_unguard(struct gw_sec *sec);

/* A request arrived from sa. Returns 1 when sa is banned (now or already):
 * the caller refuses it without further work. */
int gw_sec_request(struct gw_sec *sec, const struct sockaddr *sa);
/* We answered a request from sa with status (401, 403, 407 count). */
void gw_sec_refused(struct gw_sec *sec, const struct sockaddr *sa, int status);
/* 1 when sa is banned. */
int gw_sec_banned(struct gw_sec *sec, const struct sockaddr *sa);

/* Status rows: security_banned, security_bans, security_tracked,
 * security_filtered_sockets. */
void gw_sec_status(const struct gw_sec *sec, struct ctl_out *out);

#endif
