"""Tuning a route's knob on validation only: the task's objective (:mod:`.objective`), multi-seed trials
(:mod:`.trial`), and the tuned value carried into a follow-up variant (:mod:`.best`)."""
