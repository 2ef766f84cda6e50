"""The billing domain, pure and deterministic: tariffs, pricing, rules, FSE and lots,
canonical serialisation, signatures, ARL/NOEMIE codecs, documents. No Qt, no I/O."""
