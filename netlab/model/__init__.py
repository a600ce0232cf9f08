"""The lab model: lab files parsed and validated into plain objects (pure, no root needed)."""

from netlab.model.lab import Check, Cluster, Container, Deployment, Lab, NodeSpec, Pod
from netlab.model.load import find_lab, list_labs, load_lab

__all__ = ["Check", "Cluster", "Container", "Deployment", "Lab", "NodeSpec", "Pod", "find_lab", "list_labs", "load_lab"]
