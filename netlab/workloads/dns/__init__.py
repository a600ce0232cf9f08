"""netlab's DNS server: cluster DNS (CoreDNS's kube-dns pods) and the lab internet's resolver,
answering from a zone file netlab renders (`lookup`, pure) over UDP and TCP (`server`, with the
message format in `wire`, the upstream exchanges in `upstream` and the metrics in `metrics`)."""
