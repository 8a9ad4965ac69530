/**
 * The run panel's Bokeh charts zoom and hover together, as W&B's do: each chart is its own
 * Bokeh document (one `jupyter_bokeh` widget per metric), so a shared `x_range` model is not
 * possible; instead, in the browser, a zoom, pan or reset of one figure is applied to every
 * figure of the same panel drawn against the same x axis (same axis label), and the hovered
 * x draws a crosshair line over each of them. The zoom reaches the kernel as the figure's own
 * `RangesUpdate` (the panel refines that window from the full data); the crosshair is a DOM
 * overlay, so hovering sends nothing to the kernel. Works while the kernel is busy.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type View = any;

const PANEL = '.py-tracker-panel';
export const CROSSHAIR_CLASS = 'py-tracker-crosshair';

function hostOf(view: View): Element | null {
  const el: Element | undefined = view?.el;
  if (!el) {
    return null;
  }
  return ((el.getRootNode() as ShadowRoot).host as Element | undefined) ?? el;
}

/** The x axis a figure is drawn against: its bottom axis label ('' when none). */
export function xAxisOf(view: View): string {
  const below: View[] = view?.model?.below ?? [];
  const axis = below.find(a => String(a?.type ?? '').endsWith('Axis'));
  const label = axis?.axis_label;
  return typeof label === 'string' ? label : '';
}

/** Figures of py_tracker run panels on the page, keyed by panel element and x axis. */
function groups(win: Window): Map<Element, Map<string, View[]>> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const roots: View[] = (win as any).Bokeh?.index?.roots ?? [];
  const out = new Map<Element, Map<string, View[]>>();
  for (const view of roots) {
    if (view?.model?.type !== 'Figure') {
      continue;
    }
    const host = hostOf(view);
    const panel = host?.isConnected ? host.closest(PANEL) : null;
    if (!panel) {
      continue;
    }
    const byAxis = out.get(panel) ?? new Map<string, View[]>();
    out.set(panel, byAxis);
    const axis = xAxisOf(view);
    byAxis.set(axis, [...(byAxis.get(axis) ?? []), view]);
  }
  return out;
}

function peersOf(win: Window, view: View): View[] {
  const panel = hostOf(view)?.closest(PANEL);
  const list = panel ? groups(win).get(panel)?.get(xAxisOf(view)) ?? [] : [];
  return list.filter(v => v !== view);
}

/** The canvas box of a figure view (page coordinates), where its frame's pixels start. */
function canvasBox(view: View): DOMRect | null {
  const el: Element | undefined = view?.canvas_view?.el ?? view?.canvas?.el ?? view?.el;
  return el ? el.getBoundingClientRect() : null;
}

/** Draw (or hide, x = null) the crosshair line at data x over a figure view. */
export function showCrosshair(view: View, x: number | null): void {
  const host = hostOf(view);
  const container = host?.closest<HTMLElement>('.py-tracker-chart') ?? host?.parentElement;
  if (!host || !container) {
    return;
  }
  let line = container.querySelector<HTMLDivElement>(`:scope > .${CROSSHAIR_CLASS}`);
  const frame = view.frame;
  const box = canvasBox(view);
  if (x === null || !frame?.x_scale || !box) {
    if (line) {
      line.hidden = true;
    }
    return;
  }
  const sx: number = frame.x_scale.compute(x);
  const bbox = frame.bbox;
  if (!isFinite(sx) || sx < bbox.left || sx > bbox.right) {
    if (line) {
      line.hidden = true;
    }
    return;
  }
  if (!line) {
    line = document.createElement('div');
    line.className = CROSSHAIR_CLASS;
    if (getComputedStyle(container).position === 'static') {
      container.style.position = 'relative';
    }
    container.appendChild(line);
  }
  // relative to the box the line is actually positioned in (a wrapper may be display: contents)
  const c = (line.offsetParent ?? container).getBoundingClientRect();
  line.style.left = `${box.left - c.left + sx}px`;
  line.style.top = `${box.top - c.top + bbox.top}px`;
  line.style.height = `${bbox.height}px`;
  line.dataset.x = String(x);
  line.hidden = false;
}

/** A range as the link sees it: its ends and whether the user (or the link) zoomed it. */
export interface IRangeState {
  start: number;
  end: number;
  have_updated_interactively: boolean;
}

/**
 * What a peer does when the source's x-range changed: `reset` when the source went back to
 * its full range (and the peer is zoomed), `set` when the source is zoomed elsewhere than the
 * peer, nothing when they already agree (so the change the link makes does not echo back).
 */
export function peerAction(source: IRangeState, peer: IRangeState): 'reset' | 'set' | null {
  if (!source.have_updated_interactively) {
    return peer.have_updated_interactively ? 'reset' : null;
  }
  return peer.start !== source.start || peer.end !== source.end || !peer.have_updated_interactively
    ? 'set'
    : null;
}

function syncRange(win: Window, view: View, state: { busy: boolean }): void {
  if (state.busy) {
    return;
  }
  const range = view.model.x_range;
  state.busy = true;
  try {
    for (const peer of peersOf(win, view)) {
      const r = peer.model.x_range;
      const action = peerAction(range, r);
      if (action === 'reset') {
        // the source was reset: so are its peers, with the Reset event (as the reset tool
        // sends it), so the kernel draws their full data again instead of the zoomed window
        if (typeof peer.reset === 'function') {
          peer.reset();
        } else {
          peer.reset_range?.();
        }
      } else if (action === 'set') {
        r.have_updated_interactively = true; // a DataRange1d keeps what it was given
        r.setv({ start: range.start, end: range.end });
        peer.trigger_ranges_update_event?.(); // the kernel refines the window, as for a user zoom
      }
    }
  } finally {
    state.busy = false;
  }
}

function attach(win: Window, view: View, state: { busy: boolean }): void {
  const range = view.model.x_range;
  range.change.connect(() => syncRange(win, view, state));
  const host = hostOf(view);
  if (!host) {
    return;
  }
  host.addEventListener('mousemove', (e: Event) => {
    const box = canvasBox(view);
    const frame = view.frame;
    if (!box || !frame?.x_scale) {
      return;
    }
    const sx = (e as MouseEvent).clientX - box.left;
    const inside = sx >= frame.bbox.left && sx <= frame.bbox.right;
    const x = inside ? frame.x_scale.invert(sx) : null;
    for (const peer of peersOf(win, view)) {
      showCrosshair(peer, x);
    }
  });
  host.addEventListener('mouseleave', () => {
    for (const peer of peersOf(win, view)) {
      showCrosshair(peer, null);
    }
  });
}

/** Link the run panels' charts on the page now and as they appear (a 1 s check); returns an uninstaller. */
export function installBokehLink(win: Window = window): () => void {
  const seen = new WeakSet<object>();
  const state = { busy: false };
  const run = () => {
    try {
      for (const byAxis of groups(win).values()) {
        for (const views of byAxis.values()) {
          for (const view of views) {
            if (!seen.has(view)) {
              seen.add(view);
              attach(win, view, state);
            }
          }
        }
      }
    } catch (e) {
      console.warn('py_tracker: could not link the charts of a panel', e);
    }
  };
  const timer = win.setInterval(run, 1000);
  run();
  return () => win.clearInterval(timer);
}
