"""Relaunch integrity: config fingerprints, job locks, config checks before any framework, safe pickles."""
