"""The complémentaire santé (AMC) in tiers payant: the online engagement before securing,
the DRE lots of gestion séparée (signed by the CPS, their own outbox) and the AMC's returns.

The AMC's formats are this project's (``docs/formats/amc-api.md``, ``docs/formats/dre.md``):
the real ones are not public.
"""
