"""darkstrahl.analysis: observables, binning, likelihood, window optimization and scans."""
