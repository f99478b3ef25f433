/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fax test pages with libtiff: a G3 TIFF-F page, and a row-by-row compare of two decoded pages. */
#include "config.h"

#include "tests/fax_tiff.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tiffio.h>

/* Text-like content: bars and blocks whose placement depends on the row
 * and the seed, so a lost or repeated row shows, with white margins. */
static void make_row(uint8_t *row, unsigned y, unsigned seed)
{
	uint32_t x = seed * 2654435761u ^ (y / 8) * 40503u;

	memset(row, 0, FAX_TIFF_WIDTH / 8); /* MINISWHITE: 0 is white */
	if (y % 24 >= 16)
		return; /* the gap between "lines of text" */
	for (unsigned col = 8; col < FAX_TIFF_WIDTH / 8 - 8; col++) {
		x = x * 1103515245u + 12345u;
		if ((x >> 16) % 3 == 0)
			row[col] = (uint8_t)((x >> 8) ^ y);
	}
}

int fax_tiff_make(const char *path, unsigned rows, unsigned seed, char *err, size_t errlen)
{
	TIFF *t = TIFFOpen(path, "w");
	uint8_t row[FAX_TIFF_WIDTH / 8];

	if (!t) {
		snprintf(err, errlen, "%s: cannot create", path);
		return -1;
	}
	TIFFSetField(t, TIFFTAG_IMAGEWIDTH, FAX_TIFF_WIDTH);
	TIFFSetField(t, TIFFTAG_IMAGELENGTH, rows);
	TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
	TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
	TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
	TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX3);
	TIFFSetField(t, TIFFTAG_GROUP3OPTIONS, 0);
	TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_LSB2MSB);
	TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
	TIFFSetField(t, TIFFTAG_XRESOLUTION, 204.0);
	TIFFSetField(t, TIFFTAG_YRESOLUTION, 196.0);
	TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
	TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, rows);
	TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
	TIFFSetField(t, TIFFTAG_PAGENUMBER, 0, 1);
	for (unsigned y = 0; y < rows; y++) {
		make_row(row, y, seed);
		if (TIFFWriteScanline(t, row, y, 0) < 0) {
			snprintf(err, errlen, "%s: cannot write row %u", path, y);
			TIFFClose(t);
			return -1;
		}
	}
	TIFFWriteDirectory(t);
	TIFFClose(t);
	return 0;
}

static TIFF *open_page(const char *path, uint32_t *w, uint32_t *h, char *err, size_t errlen)
{
	TIFF *t = TIFFOpen(path, "r");
	uint16_t bps = 0;

	if (!t) {
		snprintf(err, errlen, "%s: not a TIFF file", path);
		return NULL;
	}
	TIFFGetField(t, TIFFTAG_IMAGEWIDTH, w);
	TIFFGetField(t, TIFFTAG_IMAGELENGTH, h);
	TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
	if (bps != 1 || *w == 0 || *w > 8192) {
		snprintf(err, errlen, "%s: not a bilevel page (%u bits, %u wide)", path, bps, *w);
		TIFFClose(t);
		return NULL;
	}
	return t;
}

int fax_tiff_compare(const char *a, const char *b, unsigned *rows, unsigned *bad, char *err, size_t errlen)
{
	uint32_t wa = 0, ha = 0, wb = 0, hb = 0;
	TIFF *ta, *tb = NULL;
	uint8_t *ra = NULL, *rb = NULL;
	int rc = -1;

	*rows = *bad = 0;
	if (!(ta = open_page(a, &wa, &ha, err, errlen)) || !(tb = open_page(b, &wb, &hb, err, errlen)))
		goto out;
	*rows = ha;
	if (wa != wb) {
		snprintf(err, errlen, "widths differ: %u and %u", wa, wb);
		*bad = ha;
		rc = 1;
		goto out;
	}
	ra = malloc(TIFFScanlineSize(ta));
	rb = malloc(TIFFScanlineSize(tb));
	if (!ra || !rb) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (uint32_t y = 0; y < ha || y < hb; y++) {
		if (y >= ha || y >= hb || TIFFReadScanline(ta, ra, y, 0) < 0 || TIFFReadScanline(tb, rb, y, 0) < 0 ||
		    memcmp(ra, rb, (wa + 7) / 8) != 0)
			(*bad)++;
	}
	if (*bad)
		snprintf(err, errlen, "%u of %u rows differ (rows: %u and %u)", *bad, ha, ha, hb);
	else
		snprintf(err, errlen, "%u rows of %u pixels identical", ha, wa);
	rc = *bad ? 1 : 0;
out:
	free(ra);
	free(rb);
	if (ta)
		TIFFClose(ta);
	if (tb)
		TIFFClose(tb);
	return rc;
}
