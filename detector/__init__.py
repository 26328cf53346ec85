"""darkstrahl.detector: the fast Belle II model (beams and boost, acceptance, resolution,
displaced-decay regions). Data flows gen -> detector -> analysis."""
