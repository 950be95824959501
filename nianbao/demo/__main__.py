"""Serve the offline portals until interrupted (used by `make demo`).

    python -m nianbao.demo --port 8701 --csv var/portals.csv
"""
import argparse
import signal
import threading

from .build import EXPECTED_PATH, write_expected
from .server import running_portals, write_portals_csv


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m nianbao.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8701, help="port on every 127.0.0.x address (0 = any)")
    parser.add_argument("--csv", help="write the portals list (name,url,region_code,...) here")
    parser.add_argument("--sites", nargs="*", help="only these portals (default: all)")
    parser.add_argument("--write-expected", action="store_true", help="rewrite expected.json and exit")
    args = parser.parse_args(argv)
    if args.write_expected:
        write_expected()
        print(EXPECTED_PATH)
        return
    with running_portals(args.port, args.sites) as portals:
        if args.csv:
            write_portals_csv(portals, args.csv)
        for portal in portals:
            print(f"{portal.name}\t{portal.url}", flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
