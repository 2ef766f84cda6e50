"""The simulated ApCV service (application carte Vitale on the patient's phone).

The GIE SESAM-Vitale's ApCV web services are not public: the token, the session and the
signature follow this project's own format, ``docs/formats/apcv.md``. ``token`` builds and
reads the patient's code, ``twins`` derives the ApCV of each Vitale profile, ``service`` opens
sessions and signs FSE digests, ``server`` serves it over HTTPS with client certificates,
``cli`` is ``sesam-testbed apcv``.
"""
