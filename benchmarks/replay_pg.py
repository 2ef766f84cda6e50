"""Figure: ``replay``'s outbox replay and ARL recording with the store on PostgreSQL (issue
#27): the same pending store, copied into a new database of the run's throw-away server
before each run (untimed), drained by the same sender; the raw POSTs of the same lots as
baseline, in the same run. ``python -m benchmarks --only replay --backend both``."""

from __future__ import annotations

import dataclasses

from benchmarks import postgres, replay
from benchmarks.common import Figure, RunContext

NAME = "replay_pg"


def run(ctx: RunContext) -> list[Figure]:
    postgres.server(ctx)
    figures: list[Figure] = []
    for count in replay._sizes(ctx):
        runs = {load: replay._runs(ctx, count, load, postgres.POSTGRESQL) for load in replay.LOADS}
        figures.extend(replay._rate_figure(count, load, runs[load]) for load in replay.LOADS)
        figures.append(replay._record_figure(count, runs))
    return [
        dataclasses.replace(
            f,
            figure=f.figure + postgres.SUFFIX,
            sizes={**f.sizes, "backend": postgres.POSTGRESQL},
        )
        for f in figures
    ]
