"""The plan: names, addresses and placement of a whole lab, decided before anything is built (pure)."""

from netlab.plan.build import make_plan
from netlab.plan.model import HostPlan, LabPlan, NodePlan, PodPlan, netns_name

__all__ = ["HostPlan", "LabPlan", "NodePlan", "PodPlan", "make_plan", "netns_name"]
