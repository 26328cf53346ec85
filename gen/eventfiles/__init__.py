"""Event files: Les Houches (LHE 3.0, :mod:`.lhe`, rendered by the numba kernel of :mod:`.lhe_text` with the
exact float formatting of :mod:`.textformat`) and HepMC3 (:mod:`.hepmc`). Every writer reads the particle
layout of the batch (:class:`darkstrahl.gen.layout.Layout`) and writes atomically
(:mod:`darkstrahl.files`)."""
