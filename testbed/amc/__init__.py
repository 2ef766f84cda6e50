"""The simulated complémentaire santé (AMC): online engagements, DRE lots and their returns.

An HTTPS server with mutual TLS on loopback (``server.AmcServer``), beside the simulated
Assurance Maladie and with the same PKI. Its members are the AMC contracts of the testbed's
carte Vitale profiles (``members``); what it granted, received and paid is kept in its own
SQLite ledger (``ledger``). The formats are this project's (``docs/formats/amc-api.md``):
the real ones are not public.
"""
