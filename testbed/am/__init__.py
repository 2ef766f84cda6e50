"""The simulated Assurance Maladie: concentrator and caisse side of télétransmission.

An HTTPS server with mutual TLS on loopback (``server.AmServer``) that receives signed lots
and answers ARL, produces NOEMIE returns, answers ADRi rights queries, and can inject faults
(``faults``). What it received is kept in its own SQLite ledger (``ledger``).
"""
