"""What the kernel holds, read back as data (pure): the parsers of what the tools print and the views
netlink reads fill. The kernel layer reads (`kernel.netnsread`, `kernel.nftread`,
`kernel.ruletools.iptables_save`); `status`, `diagram`, `check`'s hints and the proxy modes' read-backs
judge what these modules give them, so all of that is tested without root.

- iptables.py: `iptables-save` by table, and kube-proxy's chains per service port;
- nftables.py: `nft -j list table ip kube-proxy`, and what a rendered script must leave there;
- nft_rules.py: `nft -a list ruleset` as rules (a learner's own);
- netns.py: a namespace's links, addresses and routes, as `kernel.netnsread` reads them;
- lab.py: a whole running lab as the kernel holds it (`RunningLab.read`), which `status` reports and
  `diagram` draws.
"""
