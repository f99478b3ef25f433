/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pstnsim's audio: G.711 coding, a tone generator and a tone meter (Goertzel). */
#ifndef TANDEM_PSTNSIM_TONE_H
#define TANDEM_PSTNSIM_TONE_H

#include <stddef.h>
#include <stdint.h>

/* G.711 (11/88) A-law and mu-law, 16-bit linear in. */
uint8_t sim_g711_encode(int alaw, int16_t pcm);
int16_t sim_g711_decode(int alaw, uint8_t code);

/* The peak of a 0 dBm0 sine in 16-bit linear: 3.14 dB below a full-scale
 * one, G.711's digital milliwatt (SpanDSP's convention too). */
#define SIM_DBM0_PEAK 22786.0

/* A sine at freq Hz (0: silence), amplitude amp (linear, <= 32767). */
struct sim_tone {
	double phase, step;
	int amp, alaw;
};
void sim_tone_init(struct sim_tone *t, double freq, int amp, int alaw);
void sim_tone_fill(struct sim_tone *t, uint8_t *buf, size_t n);

/* Measures how much of the received energy is at freq (Goertzel per
 * block of 160 samples): ratio near 1 for a clean tone, near 0 for noise
 * or silence. */
struct sim_meter {
	double coeff, tone_energy, total_energy;
	int alaw;
	size_t fill;
	double block[160];
};
void sim_meter_init(struct sim_meter *m, double freq, int alaw);
void sim_meter_feed(struct sim_meter *m, const uint8_t *buf, size_t n);
double sim_meter_ratio(const struct sim_meter *m);

#endif
