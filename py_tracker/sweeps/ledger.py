"""A sweep's trials as this process knows them, kept up to date from the catalog's change feed.

What a claim needs (the claims so far, which of them are still going, the sweep's run
records) used to be rebuilt at every claim or agent start by passes over every trial and
every run in the store, a cost that grew with the sweep (13 ms a trial at 10k trials).
A `SweepLedger` builds it once per process (one pass over the claims and the runs), then
reads only what changed: claims past the count it has (claims never change once written),
and the runs the catalog's change feed (`Catalog.changes`) names since its last look.
When the feed cannot say (another process's reload, too many changes), it reads the runs
again, so it always equals a full recomputation (`tests/sweep/test_ledger.py` checks that).

Kept per process and store (`ledger_for`), shared by every `SweepStore` and thread: an
`agent()` called again in the same kernel starts where the last one left off. It only reads
the catalog (the records it holds are the catalog's own, read-only); `storage.records`
stays the only writer.
"""
from __future__ import annotations

import os
import threading
from typing import Callable

from ..storage.catalog import Catalog
from ..storage.records import RunState, claim_key
from .strategy import Trial, TrialList

RUNNING = RunState.RUNNING.value

_ledgers: dict[tuple[str, str], SweepLedger] = {}
_ledgers_lock = threading.Lock()


def ledger_for(catalog: Catalog, sweep_id: str) -> SweepLedger:
    """The one ledger of this sweep in this process (made on first use)."""
    key = (os.path.realpath(catalog.layout.root), sweep_id)
    with _ledgers_lock:
        led = _ledgers.get(key)
        if led is None:
            led = _ledgers[key] = SweepLedger(sweep_id)
        return led


class SweepLedger:
    """One sweep's claims, run records and open trials, brought up to date by `sync`.

    After `sync(catalog, rec)`:
    - `claims`: the trials table's claims in claim order (the record's own `trials` list,
      prior runs and claims of earlier versions, is not included: it travels with `rec`);
    - `runs`: run id -> record (as the catalog holds it: read-only) of every run with this
      `sweep_id` or claimed by the sweep;
    - `open`: run ids of claimed or attached trials whose run has no record yet or a stored
      state "running" (whether the writer still lives is decided when asked: `pending`).
    Use the ledger's state under `lock` (`sync` takes it; callers hold it across sync and use).
    """

    def __init__(self, sweep_id: str):
        self.sweep_id = sweep_id
        self.lock = threading.RLock()
        self.claims: list[dict] = []
        self.claimed: list[Trial] = []  # `claims` as Trials of state "claimed"
        self.runs: dict[str, dict] = {}
        self.open: set[str] = set()
        self._claim_of: dict[str, dict] = {}  # run id -> its claim (own and table)
        self._doc_run: dict[str, str] = {}  # catalog doc id -> run id, for the runs held
        self._mark: tuple[int, int] | None = None
        self._own: int = -1  # length of rec["trials"] the run view was built with

    # --- bringing it up to date ---------------------------------------------------
    def sync(self, catalog: Catalog, rec: dict) -> None:
        """Read the claims and run changes since the last sync (everything the first time)."""
        with self.lock:
            own = list(rec.get("trials") or [])
            if len(own) != self._own:  # first sync, or a record of an earlier version grew
                self._own, self._mark = len(own), None
                for claim in own:
                    self._claim_of[claim["run_id"]] = claim
            count = int(rec.get("trial_count") or 0)
            if count < len(self.claims):  # a store rebuilt with fewer claims (doctor): read them again
                self.claims, self.claimed, self._mark = [], [], None
                self._claim_of = {c["run_id"]: c for c in own}
            new = self._read_claims(catalog, count)
            mark, changes = catalog.changes("runs", self._mark)
            if changes is not None:
                for doc_id, doc in changes.items():
                    self._apply(doc_id, doc)
                # a new claim whose run was recorded before it under another sweep (rare): the
                # feed named that run before it was this sweep's, so read the runs again
                if any(c["run_id"] not in self.runs and self._has_run(catalog, c["run_id"]) for c in new):
                    changes = None
                else:
                    for claim in new:
                        self._update_open(claim["run_id"])
            if changes is None:
                mark, docs = catalog.scan_with_ids("runs")
                self._rebuild(docs)
            self._mark = mark

    def _read_claims(self, catalog: Catalog, count: int) -> list[dict]:
        """Append the claims past those held (count: the record's trial_count); returns them."""
        start = len(self.claims)
        if count <= start:
            return []
        for claim in catalog.get_many("trials", [claim_key(self.sweep_id, n) for n in range(start, count)]):
            if claim is None:  # (a store rebuilt by doctor without its trials table)
                break
            self.claims.append(claim)
            self.claimed.append(Trial(claim["run_id"], claim.get("config") or {}, "claimed"))
            self._claim_of[claim["run_id"]] = claim
        return self.claims[start:]

    @staticmethod
    def _has_run(catalog: Catalog, run_id: str) -> bool:
        return catalog.get("runs", run_id) is not None

    def _mine(self, doc: dict) -> bool:
        return doc.get("sweep_id") == self.sweep_id or doc.get("id") in self._claim_of

    def _rebuild(self, docs: list[tuple[str, dict]]) -> None:
        self.runs, self._doc_run = {}, {}
        for doc_id, doc in docs:
            if self._mine(doc):
                self.runs[doc["id"]] = doc
                self._doc_run[doc_id] = doc["id"]
        self.open = set()
        for run_id in self._claim_of.keys() | self.runs.keys():
            self._update_open(run_id)

    def _apply(self, doc_id: str, doc: dict | None) -> None:
        old = self._doc_run.pop(doc_id, None)
        if old is not None:
            self.runs.pop(old, None)
            self._update_open(old)
        if doc is not None and self._mine(doc):
            self.runs[doc["id"]] = doc
            self._doc_run[doc_id] = doc["id"]
            self._update_open(doc["id"])

    def _update_open(self, run_id: str) -> None:
        run = self.runs.get(run_id)
        if (run is None and run_id in self._claim_of) or (run is not None and run.get("state", RUNNING) == RUNNING):
            self.open.add(run_id)
        else:
            self.open.discard(run_id)

    # --- what a claim reads -------------------------------------------------------------
    def pending(self, run_alive: Callable[[dict], bool], claim_alive: Callable[[dict], bool]) -> list[Trial]:
        """The open trials still going, as Trials of state "running" (claim order not kept).
        `run_alive(record)`: whether a "running" record's writer lives; `claim_alive(claim)`:
        whether a claim without a run is still starting. A claim found dead without a run
        leaves `open` (it cannot come back to life; a run it records later re-enters it)."""
        out = []
        for run_id in list(self.open):
            run = self.runs.get(run_id)
            if run is None:
                claim = self._claim_of[run_id]
                if claim_alive(claim):
                    out.append(Trial(run_id, claim.get("config") or {}, RUNNING))
                else:
                    self.open.discard(run_id)
            elif run_alive(run):
                config = (self._claim_of.get(run_id) or {}).get("config")
                out.append(Trial(run_id, config if config is not None else run.get("config") or {}, RUNNING))
        return out

    def claimed_view(self, own: list[dict], pending: list[Trial]) -> TrialList:
        """Every claim as a "claimed" Trial (the record's own first), sharing the held list."""
        head = [Trial(c["run_id"], c.get("config") or {}, "claimed") for c in own]
        return TrialList(head, self.claimed, len(self.claimed), pending)
