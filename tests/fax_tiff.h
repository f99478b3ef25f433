/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fax pages for the tests: make a TIFF-F page (G3, 1728 pixels wide, fine
 * resolution) with a pattern that changes on every row, and compare two
 * pages row by row after libtiff has decoded both ("page intact"). */
#ifndef TANDEM_TESTS_FAX_TIFF_H
#define TANDEM_TESTS_FAX_TIFF_H

#include <stddef.h>

#define FAX_TIFF_WIDTH 1728

/* Write a one-page TIFF-F of rows rows, its pattern chosen by seed.
 * 0 or -1 (err says why). */
int fax_tiff_make(const char *path, unsigned rows, unsigned seed, char *err, size_t errlen);
/* Compare the first page of two TIFF files: 0 when both decode to the
 * same width, the same number of rows and the same bits in every row; 1
 * when they differ; -1 when one cannot be read. *rows gets the rows of
 * a, *bad the rows that differ (or are missing), err a description. */
int fax_tiff_compare(const char *a, const char *b, unsigned *rows, unsigned *bad, char *err, size_t errlen);

#endif
