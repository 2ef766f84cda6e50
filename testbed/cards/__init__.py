"""Emulated carte Vitale and CPx cards, their profiles, and the server that inserts them
into the vpcd virtual readers of the real pcscd (or wraps them in-process for unit tests)."""
