/**
 * py_tracker's Bokeh charts follow the JupyterLab theme. BokehJS draws on a canvas, so CSS
 * cannot recolour it: each root Figure view inside a py_tracker view gets its fills, text,
 * axis and grid colours from the theme's CSS variables (resolved to rgb() by a probe
 * element). Applied on start, when the theme changes (the body's data-jp-theme-name) and
 * to views created later (a 1 s check that sets only values that differ). A change made
 * here reaches the kernel's copy of the figure like any BokehJS edit, so both agree.
 */

interface IThemeColors {
  bg: string;
  text: string;
  muted: string;
  grid: string;
  border: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type BokehModel = any;

function resolve(probe: HTMLElement, variable: string, fallback: string): string {
  probe.style.color = fallback;
  probe.style.color = `var(${variable}, ${fallback})`;
  return getComputedStyle(probe).color || fallback;
}

/** The theme's colours, as rgb()/rgba() strings Bokeh accepts. */
export function themeColors(root: Document = document): IThemeColors {
  const probe = root.createElement('span');
  probe.style.display = 'none';
  root.body.appendChild(probe);
  try {
    return {
      bg: resolve(probe, '--jp-layout-color0', '#ffffff'),
      text: resolve(probe, '--jp-ui-font-color0', '#000000'),
      muted: resolve(probe, '--jp-ui-font-color2', '#666666'),
      grid: resolve(probe, '--jp-border-color2', '#e0e0e0'),
      border: resolve(probe, '--jp-border-color1', '#bdbdbd')
    };
  } finally {
    probe.remove();
  }
}

function set(model: BokehModel, values: Record<string, string>): void {
  const changed: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    if (k in model && model[k] !== v) {
      changed[k] = v;
    }
  }
  if (Object.keys(changed).length) {
    model.setv(changed);
  }
}

/** Recolour one Figure model (title, axes, grids, legends, fills). */
export function styleFigure(fig: BokehModel, c: IThemeColors): void {
  set(fig, { background_fill_color: c.bg, border_fill_color: c.bg, outline_line_color: c.border });
  if (fig.title) {
    set(fig.title, { text_color: c.text });
  }
  const parts: BokehModel[] = [
    ...(fig.left ?? []),
    ...(fig.right ?? []),
    ...(fig.above ?? []),
    ...(fig.below ?? []),
    ...(fig.center ?? [])
  ];
  for (const p of parts) {
    const type: string = p?.type ?? '';
    if (type.endsWith('Axis')) {
      set(p, {
        axis_label_text_color: c.text,
        major_label_text_color: c.text,
        axis_line_color: c.muted,
        major_tick_line_color: c.muted,
        minor_tick_line_color: c.muted
      });
    } else if (type === 'Grid') {
      set(p, { grid_line_color: c.grid });
    } else if (type === 'Legend') {
      set(p, { background_fill_color: c.bg, label_text_color: c.text, border_line_color: c.border });
    }
  }
}

function ours(view: BokehModel): boolean {
  const el: Element | undefined = view?.el;
  if (!el) {
    return false;
  }
  const host = (el.getRootNode() as ShadowRoot).host ?? el;
  return (
    host.isConnected &&
    !!host.closest('.py-tracker-panel, .py-tracker-compare, .py-tracker-chart, [class*="py-tracker-sweep"]')
  );
}

/** Style every py_tracker Figure on the page now; returns how many were looked at. */
export function applyBokehTheme(win: Window = window): number {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const roots: BokehModel[] = (win as any).Bokeh?.index?.roots ?? [];
  if (!roots.length) {
    return 0;
  }
  const colors = themeColors(win.document);
  let n = 0;
  for (const view of roots) {
    const m = view?.model;
    if (m?.type === 'Figure' && ours(view)) {
      styleFigure(m, colors);
      n += 1;
    }
  }
  return n;
}

/** Keep py_tracker's Bokeh charts in the current theme; returns an uninstaller. */
export function installBokehTheme(win: Window = window): () => void {
  const run = () => {
    try {
      applyBokehTheme(win);
    } catch (e) {
      console.warn('py_tracker: could not apply the theme to a chart', e);
    }
  };
  const observer = new MutationObserver(run);
  observer.observe(win.document.body, { attributes: true, attributeFilter: ['data-jp-theme-name'] });
  const timer = win.setInterval(run, 1000);
  run();
  return () => {
    observer.disconnect();
    win.clearInterval(timer);
  };
}
