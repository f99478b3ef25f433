/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pstnsim's per-call audio: what a call sends (tone, file, DTMF, silence, echo, a fax) and what it does with
 * what it receives (tone meter, DTMF detection, recording). The only pstnsim file that sees SpanDSP. */
#ifndef TANDEM_PSTNSIM_MEDIA_H
#define TANDEM_PSTNSIM_MEDIA_H

#include "pstnsim/rules.h"

#include <stddef.h>
#include <stdint.h>

struct sim_media;

/* A file to play, loaded once and shared by the calls that play it:
 * raw octets in the span's law, or a RIFF/WAVE file (8 kHz mono; 16-bit
 * PCM is encoded, A-law or mu-law is copied, or transcoded when it is not
 * the span's law). 0, -errno, or -EINVAL (err says why). The caller owns
 * *out (sim_clip_free). */
struct sim_clip;
int sim_clip_load(const char *path, int alaw, struct sim_clip **out, char *err, size_t errlen);
size_t sim_clip_len(const struct sim_clip *c);
void sim_clip_free(struct sim_clip *c);

/* Start a call's audio: act says what to send, clip is the file to play
 * (borrowed; NULL unless act->src is SIM_SRC_PLAY), record_path the
 * expanded recording path (NULL: none). 0, -ENOMEM or -errno from
 * opening the recording. The caller owns *out. */
int sim_media_new(const struct sim_actions *act, const struct sim_clip *clip, int alaw, const char *record_path,
		  struct sim_media **out);
/* The next n octets to send on the active call: DTMF when due, else the
 * source (tone, file then silence, silence). */
void sim_media_fill(struct sim_media *m, uint8_t *buf, size_t n);
/* Whether received audio goes straight back (plain echo) rather than the
 * clock's fill. A line echo (echo:DELAY:LEVEL, a hybrid's: what a line
 * echo canceller has to remove) is the clock's fill: the received audio
 * DELAY ms later (plus up to one frame) and LEVEL dB down. */
int sim_media_echoes(const struct sim_media *m);
/* Received audio: meter, DTMF detection (when asked), recording. Returns
 * how many new DTMF digits were detected (sim_media_digits has them). */
int sim_media_feed(struct sim_media *m, const uint8_t *buf, size_t n);
/* Every DTMF digit detected so far (NUL-terminated, owned by m). */
const char *sim_media_digits(const struct sim_media *m);
/* Tone meter: the share of the received energy at the tone frequency,
 * and the raw energies for a total over calls. */
double sim_media_tone_ratio(const struct sim_media *m);
void sim_media_energy(const struct sim_media *m, double *tone, double *total);
/* Octets written to the recording; negative errno if writing failed. */
long sim_media_recorded(const struct sim_media *m);
/* Fax (SIM_SRC_FAX_*): 0 while T.30 runs, else 1 with its completion
 * code (T30_ERR_OK is 0) and the pages sent or received; -1 when the call
 * is no fax. */
int sim_media_fax(const struct sim_media *m, int *status, int *pages, const char **text);
/* The fax just ended (sim_media_fax() said 1) and the actions ask for
 * another (fax-again:PAUSE): 1, and the next one starts after PAUSE of
 * silence (sim_media_fax() says 0 again until it ends); else 0. */
int sim_media_fax_again(struct sim_media *m);
/* Close the recording and free. NULL is a no-op. */
void sim_media_free(struct sim_media *m);

#endif
