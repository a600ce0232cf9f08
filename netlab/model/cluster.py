"""The lab's `cluster:` section: its nodes, pod network, proxy mode, address ranges, load balancer and DNS (pure)."""

from __future__ import annotations

from typing import Any

from netlab.model import fields
from netlab.model.lab import LOAD_BALANCERS, NETWORK_MODES, PROXY_MODES, Cluster, NodeSpec
from netlab.model.pods import DNS_LABEL, HOSTNAME_MAX
from netlab.model.schema import FieldReader


def read_cluster(r: FieldReader, raw: Any) -> Cluster:
    c = r.mapping(raw, "cluster", fields.CLUSTER, required=("nodes",))
    nodes = []
    for i, item in enumerate(r.sequence(c.get("nodes"), "cluster.nodes")):
        place = f"cluster.nodes[{i}]"
        item = {"name": item} if isinstance(item, str) else item
        n = r.mapping(item, place, fields.NODE, required=("name",))
        node_name = r.string(n.get("name"), f"{place}.name", DNS_LABEL, HOSTNAME_MAX)
        labels = {**r.labels(n.get("labels"), f"{place}.labels"), "kubernetes.io/hostname": node_name}
        nodes.append(NodeSpec(node_name, labels))
    if c.get("nodes") is not None and not nodes:
        r.problem("cluster.nodes", "needs at least one node")
    defaults = Cluster(nodes=())
    return Cluster(
        nodes=tuple(nodes),
        network=r.choice(c.get("network", defaults.network), "cluster.network", NETWORK_MODES),
        proxy_mode=r.choice(c.get("proxyMode", defaults.proxy_mode), "cluster.proxyMode", PROXY_MODES),
        pod_cidr=r.network(c.get("podCIDR"), "cluster.podCIDR", defaults.pod_cidr),
        service_cidr=r.network(c.get("serviceCIDR"), "cluster.serviceCIDR", defaults.service_cidr),
        underlay=r.network(c.get("underlay"), "cluster.underlay", defaults.underlay),
        node_cidr_mask=r.integer(c.get("nodeCIDRMaskSize", 24), "cluster.nodeCIDRMaskSize", 16, 28),
        cluster_domain=str(c.get("clusterDomain") or defaults.cluster_domain),
        load_balancer=r.choice(c.get("loadBalancer", defaults.load_balancer), "cluster.loadBalancer", LOAD_BALANCERS),
        dns=r.boolean(c.get("dns"), "cluster.dns", defaults.dns),
    )
