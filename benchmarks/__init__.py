"""Benchmarks of chatkit-async against the official ``openai`` SDK and raw aiohttp loops.

Run with ``python -m benchmarks`` (or ``nox -s bench``); ``--quick`` shrinks every size, ``--only
a,d`` picks benchmarks. The emulator serves from a separate process on loopback, contenders take
turns round after round, and every rate is reported as a ratio to the raw aiohttp + orjson loop of
the same round. Nothing here is part of the test suite, and no test asserts a timing.
"""
