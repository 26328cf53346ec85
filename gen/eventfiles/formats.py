"""The event-file formats and frames darkstrahl writes."""

FORMATS: tuple[str, ...] = ("lhe", "hepmc3")  #: LHE 3.0 (``.lhe``, gzip with ``.lhe.gz``) and HepMC3 ASCII
FRAMES: tuple[str, ...] = ("cm", "lab")  #: centre-of-mass frame (e- along +z) or the Belle II lab frame
