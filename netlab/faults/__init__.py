"""Faults to hunt (`netlab break`): each one a real deviation of a running lab, proved present,
hinted at, repaired and proved gone. `catalogue` holds the types and the registry; each module
beside it defines one family of faults (pure: commands and checks rendered from the plan)."""
