"""netlab: Kubernetes networking, for real, on one Linux box.

Layers (each a package): `model` reads lab files, `plan` lays out names and addresses, `render`
turns the plan into the desired kernel state (pure), `kernel` applies and reads it back (root),
`workloads` are the processes pods run, `probe` + `verify` prove paths with real traffic, `cli`
wires them together.
"""

__version__ = "0.1.0"
