/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging: one sink for the whole process (ours, Sofia's, libpri's). */
#ifndef TANDEM_LOG_H
#define TANDEM_LOG_H

#include <stdarg.h>
#include <syslog.h>

/* Levels are syslog's (LOG_ERR .. LOG_DEBUG). */
enum log_target {
	LOG_TARGET_STDERR = 0,
	LOG_TARGET_SYSLOG = 1
};

/* Configure the sink. ident is the syslog identity (copied by the caller's
 * lifetime: pass a string literal). Safe to call again on reload.
 * Thread-safe. */
void log_setup(const char *ident, enum log_target target, int level, int facility);

/* Current threshold; messages above it are dropped. */
int log_level(void);

/* Parse "err".."debug" (also "error", "warn", "crit", "notice") into a
 * syslog level. Returns 0 and sets *level, or -EINVAL. */
int log_level_parse(const char *name, int *level);

/* "err", "warning", ... for a syslog level. Never NULL. */
const char *log_level_name(int level);

/* Write one line: level, module tag, message. Thread-safe. */
void log_msg(int level, const char *tag, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void log_vmsg(int level, const char *tag, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

#define LOG_E(tag, ...) log_msg(LOG_ERR, tag, __VA_ARGS__)
#define LOG_W(tag, ...) log_msg(LOG_WARNING, tag, __VA_ARGS__)
#define LOG_N(tag, ...) log_msg(LOG_NOTICE, tag, __VA_ARGS__)
#define LOG_I(tag, ...) log_msg(LOG_INFO, tag, __VA_ARGS__)
#define LOG_D(tag, ...) log_msg(LOG_DEBUG, tag, __VA_ARGS__)

#endif
