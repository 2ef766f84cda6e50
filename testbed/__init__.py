"""The simulated outside world: emulated cards on the vpcd virtual readers, the simulated
Assurance Maladie, the test PKI. Used by the demo, the tests and the benchmarks; the
product packages never import it."""
