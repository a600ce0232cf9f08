"""The files a container runtime puts in a pod's /etc, and a node's resolver (pure).

- resolv.conf as the kubelet generates it (docs/cluster-dns.md): `ClusterFirst` gives the
  cluster DNS address, the search list `<ns>.svc.<domain> svc.<domain> <domain>` and `ndots:5`;
  `Default` copies the node's resolv.conf; `None` uses only `dnsConfig`, which the other policies
  merge in (nameservers and searches appended without duplicates, options overridden by name).
  A lab without cluster DNS gives `ClusterFirst` pods the node's, as the kubelet falls back.
- A node's resolv.conf names the lab's internet resolver, if it has one; otherwise no nameserver
  at all (glibc then asks 127.0.0.1 and is refused at once): a lab never asks the machine's own.
- hosts as the kubelet writes it (its header, localhost lines, the pod's own IP and hostname, with
  its FQDN before it when the pod has a subdomain, then the pod's hostAliases).
- nsswitch.conf as a container image has it (`hosts: files dns`), where the machine's says
  otherwise (mdns4_minimal would claim every `.local` name, cluster.local included).
"""

from __future__ import annotations

from dataclasses import dataclass

from netlab.model.lab import DnsConfig
from netlab.plan.model import LabPlan, PodPlan

NDOTS = 5
MAX_NAMESERVERS, MAX_SEARCHES = 3, 32
HOSTS_HEADER = """\
# Kubernetes-managed hosts file.
127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
fe00::0\tip6-localnet
fe00::0\tip6-mcastprefix
fe00::1\tip6-allnodes
fe00::2\tip6-allrouters
"""
NSSWITCH = """\
passwd:         files
group:          files
shadow:         files
hosts:          files dns
networks:       files
protocols:      files
services:       files
"""


@dataclass(frozen=True)
class Resolver:
    nameservers: tuple[str, ...] = ()
    searches: tuple[str, ...] = ()
    options: tuple[tuple[str, str | None], ...] = ()

    def text(self) -> str:
        lines = [f"search {' '.join(self.searches)}"] if self.searches else []
        lines += [f"nameserver {ns}" for ns in self.nameservers]
        if self.options:
            lines.append(
                "options " + " ".join(name if value is None else f"{name}:{value}" for name, value in self.options)
            )
        return "\n".join(lines) + "\n" if lines else "# no nameserver in this lab: nothing outside answers\n"


def node_resolver(plan: LabPlan) -> Resolver:
    """What a node's (and a Default-policy pod's) resolv.conf says."""
    return Resolver(nameservers=(str(plan.resolver.ip.ip),)) if plan.resolver else Resolver()


def pod_resolver(plan: LabPlan, pod: PodPlan) -> Resolver:
    """The kubelet's resolv.conf for the pod: its dnsPolicy, then its dnsConfig merged in."""
    if pod.dns_policy == "None":
        base = Resolver()
    elif plan.uses_cluster_dns(pod):
        domain = plan.lab.cluster.cluster_domain
        base = Resolver(
            nameservers=(str(plan.cluster_dns),),
            searches=(f"{pod.namespace}.svc.{domain}", f"svc.{domain}", domain),
            options=(("ndots", str(NDOTS)),),
        )
    else:
        base = node_resolver(plan)
    return merge(base, pod.dns_config) if pod.dns_config else base


def merge(base: Resolver, config: DnsConfig) -> Resolver:
    """dnsConfig merged into a policy's resolver, as the kubelet merges them."""
    options = dict(base.options)
    options.update(config.options)
    return Resolver(
        nameservers=tuple(dict.fromkeys(base.nameservers + config.nameservers))[:MAX_NAMESERVERS],
        searches=tuple(dict.fromkeys(base.searches + config.searches))[:MAX_SEARCHES],
        options=tuple(options.items()),
    )


def pod_hosts(pod: PodPlan) -> str:
    """The kubelet's hosts file: its header, the pod's own address and hostname (with a subdomain, its
    FQDN first: managedHostsFileContent), then spec.hostAliases each on a line of its own, the
    hostnames tab-separated (pkg/kubelet, hostsEntriesFromHostAliases)."""
    names = f"{pod.fqdn}\t{pod.uts_hostname}" if pod.host_domain else pod.uts_hostname
    own = f"{HOSTS_HEADER}{pod.ip.ip}\t{names}\n"
    if not pod.host_aliases:
        return own
    return (
        own
        + "\n# Entries added by HostAliases.\n"
        + "".join(f"{ip}\t" + "\t".join(names) + "\n" for ip, names in pod.host_aliases)
    )


def pod_files(plan: LabPlan, pod: PodPlan, nsswitch: bool = False) -> dict[str, str]:
    """The files that stand in for a pod's /etc ones (`ip netns exec` and `netlab exec` mount
    them); `nsswitch`: the machine's own nsswitch.conf would not do for a container."""
    files = {"resolv.conf": pod_resolver(plan, pod).text(), "hosts": pod_hosts(pod)}
    return {**files, "nsswitch.conf": NSSWITCH} if nsswitch else files


def etc_files(plan: LabPlan, nsswitch: bool = False) -> dict[str, dict[str, str]]:
    """Per namespace of the lab, its /etc stand-ins: every pod's, and every other one's resolv.conf."""
    pods = {pod.netns: pod_files(plan, pod, nsswitch) for pod in plan.pods}
    node = node_files(plan)
    return {ns: pods.get(ns, node) for ns in plan.all_netns()}


def node_files(plan: LabPlan) -> dict[str, str]:
    """The /etc stand-ins of every namespace that is not a pod's (nodes, the underlay, outside hosts)."""
    return {"resolv.conf": node_resolver(plan).text()}
