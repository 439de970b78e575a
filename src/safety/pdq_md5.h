/*
 * pdq_md5.h — MD5 (RFC 1321) for exact-match hash lists, which still ship MD5 columns.
 *
 * MD5 is broken for collision resistance; it is used here only to look files up in
 * existing industry lists, never to protect anything. SHA-256 comes from libsodium.
 *
 * Invariants:
 *  1. The digest equals RFC 1321's for every input (tests use the RFC's test suite).
 */
#ifndef HD_SAFETY_PDQ_MD5_H
#define HD_SAFETY_PDQ_MD5_H

#include <stddef.h>
#include <stdint.h>

/* Write the 16-byte MD5 digest of data[0..len) into out. */
void hd_md5(const void *data, size_t len, uint8_t out[16]);

#endif
