"""Probes: each a pair of pure functions, one building the command, one reading its output.

The commands run inside a lab namespace through `ip netns exec`, exactly what a learner would type;
`netlab.verify` runs them and turns the readings into verdicts.
"""
