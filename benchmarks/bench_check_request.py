"""What the one validation pass costs per call: `check_request` timed on three calls.

- no parameters (get-organization): the pass returns at once; the target is
  about 0.5 us, nothing measurable beside a request;
- two query values (get-users ``limit`` and ``sort_by``);
- a webhook-destination body (create-webhook-destination).

The best of `--repeat` runs of `--number` calls each, in microseconds per call.

    python benchmarks/bench_check_request.py [--number 20000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable

from amigo_async._validation import check_request

_BODY = {
    "url": "https://example.com/hook",
    "accepted_types": ["conversation-post-processing-complete"],
    "retry_attempts": 3,
}

CALLS: dict[str, Callable[[], None]] = {
    "no parameters (get-organization)": lambda: check_request("get-organization", None, None),
    "two query values (get-users)": lambda: check_request(
        "get-users", None, {"limit": 20, "sort_by": ["-email"]}
    ),
    "a body (create-webhook-destination)": lambda: check_request(
        "create-webhook-destination", None, None, _BODY
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--number", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    for label, call in CALLS.items():
        call()  # the data read and the caches filled, as in a running client
        best = min(timeit.repeat(call, number=args.number, repeat=args.repeat)) / args.number
        print(f"{label}: {best * 1e6:.2f} us per call")


if __name__ == "__main__":
    main()
