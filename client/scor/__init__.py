"""SCOR: scanning the patient-signed feuille de soins of a dégradé FSE, turning it into a
pièce justificative (PDF), sending it in a PJ lot after its invoice lot, and purging it
after its retention. See ``docs/scor.md``."""

from __future__ import annotations
