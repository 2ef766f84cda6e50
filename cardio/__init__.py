"""Host side of card I/O: APDU and TLV codecs, the PC/SC backend, the reader monitor,
the carte Vitale reader and the CPx session. No Qt, no storage, no network."""
