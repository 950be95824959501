"""The long fuzz run: the same properties as tests/test_fuzz.py, many more examples.

    .venv/bin/python bench/fuzz.py                 # 500 examples per target
    .venv/bin/python bench/fuzz.py --examples 5000

Prints, per target, how many examples ran and how long the slowest took; exits 1 on the
first falsifying example (hypothesis prints it)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from tests.hostile.fuzzing import (html_soup, mutated_documents, parses_without_escaping,  # noqa: E402
                                   portals_file_is_read_or_refused, portals_text)


def run(name, strategy, prop, examples: int) -> dict:
    count, slowest = 0, 0.0

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def target(value):
        nonlocal count, slowest
        started = time.monotonic()
        prop(value)
        count += 1
        slowest = max(slowest, time.monotonic() - started)

    started = time.monotonic()
    target()
    return {"target": name, "examples": count, "seconds": round(time.monotonic() - started, 1),
            "slowest_s": round(slowest, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500)
    args = parser.parse_args()
    targets = [
        ("damaged documents (pdf, docx, xlsx, html, text)", mutated_documents(),
         lambda doc: parses_without_escaping(*doc)),
        ("html soup", html_soup(), lambda html: parses_without_escaping(
            "page.html", html.encode("utf-8", "surrogatepass"), "text/html")),
        ("flattened text", st.lists(st.sampled_from(["总计", "本年新收政府信息公开申请数量", "12", "|", "—", "0"]),
                                    max_size=400).map("\n".join),
         lambda text: parses_without_escaping("flat.txt", text.encode(), "text/plain")),
        ("portals file", st.one_of(portals_text(), st.binary(max_size=500)), portals_file_is_read_or_refused),
    ]
    import logging
    logging.disable(logging.ERROR)
    total = 0
    for name, strategy, prop in targets:
        result = run(name, strategy, prop, args.examples)
        total += result["examples"]
        print(f"{result['target']:<50} {result['examples']:>6} examples  {result['seconds']:>7}s  "
              f"slowest {result['slowest_s']}s", flush=True)
    print(f"{total} examples, no exception escaped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
