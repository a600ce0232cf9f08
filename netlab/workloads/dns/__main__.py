"""`python -m netlab.workloads.dns --zone FILE --domain NAME [--upstream ADDR[:PORT]] [--pods insecure|disabled]
[--listen ADDR:PORT] [--metrics ADDR:PORT]`: see netlab.workloads.dns.server."""

import sys

from netlab.workloads.dns.server import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
