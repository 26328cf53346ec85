"""Width tables shipped with darkstrahl (package data; provenance in README.md here)."""
