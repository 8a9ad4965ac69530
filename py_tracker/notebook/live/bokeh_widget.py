"""`LiveBokehModel`: a `jupyter_bokeh.BokehModel` whose widget state stays current.

`BokehModel` serializes its figure once, into the synced `render_bundle` trait, and
later sends every change (a `stream()`, a new range) as a patch message. A page that
reloads asks the kernel for every widget's state (ipywidgets 8's `request_states` on
the control comm) and renders from `render_bundle`: the figure as it was when the
widget was made, so the chart showed stale, partial data and then applied new patches
on top (points missing in between). Here `get_state()` serializes the document as it
is now, without touching the trait (re-sending it to a page that already shows the
chart would render its views twice), and notes when (`state_sent_at`): a live chart
then re-sends its whole data a few times over the next seconds, which heals the new
view once it exists (`LiveChart.flush`).

Serializing a figure costs ~35 ms, and ipywidgets' `request_states` handler gets every
widget's state twice (`get_manager_state()`, whose result it drops, then the reply): with
30 charts the reply took 1.4-1.7 s. The page's widget manager gives each output 2 s to find
its model, counted from before the request, and a model it cannot find then stays "Error
displaying widget: model not found". So the serialized document is kept with the count of
the kernel's document changes it reflects (`_document_patched` sees each) and re-used until
the kernel changes the document again; and where the owner re-sends its whole data after a
state request (`LiveChart.flush`), for `reuse_for` seconds whatever changed: data streamed
after that snapshot reaches the new view with those re-sends. Changes the page made itself
(ranges, sizes it computed while drawing) are not counted: a page that loads draws its own.

The document may be changing on a panel's updater thread while the kernel's shell
thread answers `request_states`: both hold `DOC_LOCK` (the updater around each tick
and command) so a serialized document is never half-streamed (columns of one source
of different lengths).
"""
from __future__ import annotations

import time
from typing import Any

from jupyter_bokeh import BokehModel

from .updater import DOC_LOCK

LOCK_TIMEOUT = 5.0


class LiveBokehModel(BokehModel):
    """A BokehModel widget whose full state (what a reloaded page renders) is the figure now."""

    _live_state = False
    state_sent_at: float | None = None  # time.monotonic() of the last full state sent (a page loaded it)
    _changes = 0  # the kernel's document changes so far
    _serialized: tuple[int, float, str] | None = None  # (changes it reflects, monotonic time, JSON)
    # s a snapshot may be old and still serve a state request although the data moved on: only
    # for owners that re-send everything after a state request (see `state_sent_at`)
    reuse_for = 0.0

    def __init__(self, model: Any, **kwargs: Any) -> None:
        super().__init__(model, **kwargs)
        self._live_state = True  # the comm is open: from now on the trait value is stale
        # the bundle made at creation is the document as of no change yet: a chart that never
        # changes again (a finished run's) is never serialized twice
        to_json = self.trait_metadata("render_bundle", "to_json")
        self._serialized = (0, time.monotonic(), to_json(self.render_bundle, self))

    def _document_patched(self, event: Any) -> None:
        if event.setter is not self:  # not a change the page sent
            self._changes += 1
        super()._document_patched(event)

    def get_state(self, key: Any = None, drop_defaults: bool = False) -> dict:
        state = super().get_state(key, drop_defaults)
        if self._live_state and "render_bundle" in state:
            if not DOC_LOCK.acquire(timeout=LOCK_TIMEOUT):
                return state  # the owner is stuck: the creation-time figure beats no reply
            try:
                state["render_bundle"] = self._bundle_now()
                self.state_sent_at = time.monotonic()
            finally:
                DOC_LOCK.release()
        return state

    def _bundle_now(self) -> str:
        """The render bundle's JSON for the document as it is (caller holds DOC_LOCK)."""
        cached, now = self._serialized, time.monotonic()
        if cached is not None and (cached[0] == self._changes or now - cached[1] < self.reuse_for):
            return cached[2]
        changes = self._changes
        to_json = self.trait_metadata("render_bundle", "to_json")
        bundle = to_json(self._model_to_traits(self._model), self)
        self._serialized = (changes, now, bundle)
        return bundle
