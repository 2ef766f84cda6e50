"""SHA-256 whose intermediate state can be read and set (FIPS 180-4).

IAS-ECC cards finish a hash the host started (PSO HASH with the intermediate state, the
count of bits already hashed and the last partial block): ``hashlib`` can neither export
nor import that state, hence this small pure-Python version. Only the host side's prefix
(whole 64-byte blocks) and the card's last block go through it, so speed does not matter.
"""

from __future__ import annotations

import struct

BLOCK = 64
_K = (
    0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4, 0xAB1C5ED5,
    0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE, 0x9BDC06A7, 0xC19BF174,
    0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F, 0x4A7484AA, 0x5CB0A9DC, 0x76F988DA,
    0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7, 0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967,
    0x27B70A85, 0x2E1B2138, 0x4D2C6DFC, 0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85,
    0xA2BFE8A1, 0xA81A664B, 0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070,
    0x19A4C116, 0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
    0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7, 0xC67178F2,
)  # fmt: skip
INITIAL_STATE = bytes.fromhex("6a09e667bb67ae853c6ef372a54ff53a510e527f9b05688c1f83d9ab5be0cd19")
_MASK = 0xFFFFFFFF


def _rotr(x: int, n: int) -> int:
    return ((x >> n) | (x << (32 - n))) & _MASK


def _compress(state: list[int], block: bytes) -> list[int]:
    w = list(struct.unpack(">16L", block))
    for i in range(16, 64):
        s0 = _rotr(w[i - 15], 7) ^ _rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
        s1 = _rotr(w[i - 2], 17) ^ _rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
        w.append((w[i - 16] + s0 + w[i - 7] + s1) & _MASK)
    a, b, c, d, e, f, g, h = state
    for i in range(64):
        t1 = (
            h + (_rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)) + ((e & f) ^ (~e & g)) + _K[i] + w[i]
        ) & _MASK
        t2 = ((_rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) & _MASK
        a, b, c, d, e, f, g, h = (t1 + t2) & _MASK, a, b, c, (d + t1) & _MASK, e, f, g
    return [(x + y) & _MASK for x, y in zip(state, (a, b, c, d, e, f, g, h), strict=True)]


def partial(data: bytes) -> tuple[bytes, int, bytes]:
    """Hash the whole 64-byte blocks of ``data``: (state, bits hashed, the remaining tail).

    The tail is shorter than a block, possibly empty; a card given the three finishes the
    hash with :func:`finish`.
    """
    whole = len(data) - len(data) % BLOCK
    state = list(struct.unpack(">8L", INITIAL_STATE))
    for offset in range(0, whole, BLOCK):
        state = _compress(state, data[offset : offset + BLOCK])
    return struct.pack(">8L", *state), whole * 8, data[whole:]


def finish(state: bytes, bits_done: int, tail: bytes) -> bytes:
    """The SHA-256 digest of a message whose first ``bits_done`` bits left ``state`` and
    whose remaining bytes are ``tail``.

    :raises ValueError: a state that is not 32 bytes, or a count not on a block boundary.
    """
    if len(state) != 32 or bits_done < 0 or bits_done % (BLOCK * 8):
        raise ValueError("SHA-256 state is 32 bytes after whole 64-byte blocks")
    words = list(struct.unpack(">8L", state))
    total_bits = bits_done + len(tail) * 8
    padded = tail + b"\x80" + b"\x00" * ((55 - len(tail)) % BLOCK) + struct.pack(">Q", total_bits)
    for offset in range(0, len(padded), BLOCK):
        words = _compress(words, padded[offset : offset + BLOCK])
    return struct.pack(">8L", *words)
