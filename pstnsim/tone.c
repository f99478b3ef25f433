/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pstnsim's audio: G.711 coding, a tone generator and a Goertzel tone meter. */
#include "config.h"

#include "pstnsim/tone.h"

#include <math.h>

#define BLOCK 160

/* mu-law: bias 0x84, clip at 32635 (G.711 Table 2). */
static uint8_t ulaw_encode(int16_t pcm)
{
	int v = pcm, sign = 0, exp = 7;

	if (v < 0) {
		v = -v;
		sign = 0x80;
	}
	if (v > 32635)
		v = 32635;
	v += 0x84;
	for (int mask = 0x4000; !(v & mask) && exp > 0; mask >>= 1)
		exp--;
	return (uint8_t) ~(sign | (exp << 4) | ((v >> (exp + 3)) & 0x0F));
}

static int16_t ulaw_decode(uint8_t u)
{
	int t;

	u = (uint8_t)~u;
	t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4);
	return (int16_t)((u & 0x80) ? 0x84 - t : t - 0x84);
}

/* A-law: 13-bit magnitude, segments, even bits inverted (G.711 Table 1). */
static uint8_t alaw_encode(int16_t pcm)
{
	int v = pcm >> 3, mask, seg = 0;

	if (v >= 0) {
		mask = 0xD5;
	} else {
		mask = 0x55;
		v = -v - 1;
	}
	while (seg < 8 && v >= (0x20 << seg))
		seg++;
	if (seg >= 8)
		return (uint8_t)(0x7F ^ mask);
	return (uint8_t)(((seg << 4) | ((seg < 2 ? v >> 1 : v >> seg) & 0x0F)) ^ mask);
}

static int16_t alaw_decode(uint8_t a)
{
	int t, seg;

	a ^= 0x55;
	t = (a & 0x0F) << 4;
	seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else
		t = (t + 0x108) << (seg - 1);
	return (int16_t)((a & 0x80) ? t : -t);
}

uint8_t sim_g711_encode(int alaw, int16_t pcm)
{
	return alaw ? alaw_encode(pcm) : ulaw_encode(pcm);
}

int16_t sim_g711_decode(int alaw, uint8_t code)
{
	return alaw ? alaw_decode(code) : ulaw_decode(code);
}

void sim_tone_init(struct sim_tone *t, double freq, int amp, int alaw)
{
	t->phase = 0;
	t->step = 2 * M_PI * freq / 8000.0;
	t->amp = freq > 0 ? amp : 0;
	t->alaw = alaw;
}

void sim_tone_fill(struct sim_tone *t, uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		buf[i] = sim_g711_encode(t->alaw, (int16_t)lrint(t->amp * sin(t->phase)));
		t->phase = fmod(t->phase + t->step, 2 * M_PI);
	}
}

void sim_meter_init(struct sim_meter *m, double freq, int alaw)
{
	m->coeff = 2 * cos(2 * M_PI * freq / 8000.0);
	m->tone_energy = m->total_energy = 0;
	m->alaw = alaw;
	m->fill = 0;
}

/* Goertzel over one block: |X(f)|^2 * 2 / N is the tone's share of the
 * block's energy (sum of x^2). */
static void meter_block(struct sim_meter *m)
{
	double s1 = 0, s2 = 0, energy = 0;

	for (size_t i = 0; i < BLOCK; i++) {
		double s0 = m->block[i] + m->coeff * s1 - s2;
		s2 = s1;
		s1 = s0;
		energy += m->block[i] * m->block[i];
	}
	m->tone_energy += (s1 * s1 + s2 * s2 - m->coeff * s1 * s2) * 2 / BLOCK;
	m->total_energy += energy;
}

void sim_meter_feed(struct sim_meter *m, const uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		m->block[m->fill++] = sim_g711_decode(m->alaw, buf[i]);
		if (m->fill == BLOCK) {
			meter_block(m);
			m->fill = 0;
		}
	}
}

double sim_meter_ratio(const struct sim_meter *m)
{
	return m->total_energy > 0 ? m->tone_energy / m->total_energy : 0;
}
