/**
 * One sweep in the main area (opened from its sidebar row): a parallel coordinates chart (one
 * polyline per trial, one vertical axis per swept parameter that varies plus the metric's, tick
 * labels in the parameters' own units or their categories, lines coloured by the metric with a
 * colour bar, hover on a line shows the trial's name and values), W&B's parameter importance
 * table and the "metric by trial" chart at full width with every trial. A metric picker appears
 * when the trials report more than one numeric summary key (the sweep metric is the default).
 *
 * Data: GET sweeps/<id>?metric= (`py_tracker.server.sweepview`), placed by `model/sweepmodel.ts`.
 * Drawn as SVG; every user string (sweep, parameter, category and run names) goes in through
 * textContent, never as markup. Colours are JupyterLab's CSS variables (a line's colour is a CSS
 * `color-mix` of two of them), so both themes apply and a theme change recolours at once.
 */
import type { CommandRegistry } from '@lumino/commands';
import type { Widget } from '@lumino/widgets';

import type { ISweepDetail, ISweepView, TrackerClient } from '../api/client';
import {
  axisX,
  axisY,
  byTrial,
  colourFraction,
  correlationSign,
  hoverLines,
  IColourScale,
  IFrame,
  lineColour,
  metricAxis,
  pointsAttr,
  THEME_SCALE,
  trialLines,
  trialTicks,
  trialX,
  valueLabel,
  valueY,
  viewStamp
} from '../model/sweepmodel';
import { VisiblePoller } from '../model/poller';
import { el } from '../util/dom';
import { formatNumber, stateClass } from '../util/format';
import { PollingWidget } from './pollingwidget';
import { CommandIDs } from './rows';

const SVG_NS = 'http://www.w3.org/2000/svg';
const PARALLEL_HEIGHT = 320;
const BY_TRIAL_HEIGHT = 240;
const BAR_WIDTH = 12;

/** An SVG element with attributes and, optionally, its text (as textContent). */
export function svgEl<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  text?: string
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    node.setAttribute(key, String(value));
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

export class SweepView extends PollingWidget {
  constructor(
    private readonly client: TrackerClient,
    private readonly commands: CommandRegistry,
    readonly sweepId: string
  ) {
    super();
    this.addClass('jp-PyTracker-sweepView');
    this.node.dataset.sweepId = sweepId;
    this.poller = new VisiblePoller(() => this.refresh(), 3000, e => this._showError(e));
    this._picker.className = 'jp-PyTracker-select jp-PyTracker-metricPicker';
    this._picker.setAttribute('aria-label', 'Metric of the parallel chart and the importance');
    this._picker.addEventListener('change', () => {
      this._metric = this._picker.value;
      void this.poller.refresh();
    });
    this._error.className = 'jp-PyTracker-error';
    this._error.hidden = true;
    this._tooltip.className = 'jp-PyTracker-sweepTooltip';
    this._tooltip.hidden = true;
    const trials = el('button', {
      className: 'jp-PyTracker-button jp-PyTracker-sweepTrials',
      text: 'List trials',
      title: 'Filter the sidebar runs list to this sweep\u2019s trials',
      onClick: () => void this.commands.execute(CommandIDs.filterSweep, { id: this.sweepId })
    });
    this._header.className = 'jp-PyTracker-sweepHeader';
    this.node.append(
      el('div', { className: 'jp-PyTracker-runHeader' }, [this._header, this._picker, trials]),
      this._error,
      el('div', { className: 'jp-PyTracker-sweepBody' }, [
        el('div', { className: 'jp-PyTracker-sectionTitle', text: 'Parallel coordinates' }),
        this._parallel,
        this._importance,
        this._byTrialTitle,
        this._byTrial
      ]),
      this._tooltip
    );
    this._parallel.className = 'jp-PyTracker-parallel';
    this._importance.className = 'jp-PyTracker-importance';
    this._byTrial.className = 'jp-PyTracker-byTrial';
  }

  readonly poller: VisiblePoller;

  /** The last answer (for tests and the title). */
  get detail(): ISweepDetail | null {
    return this._detail;
  }

  dispose(): void {
    this.poller.dispose();
    super.dispose();
  }

  /** Reload the sweep and redraw what changed (the poller calls this). */
  async refresh(): Promise<void> {
    const detail = await this.client.sweep(this.sweepId, this._metric || undefined);
    this._detail = detail;
    this._error.hidden = true;
    this.title.label = `Sweep ${detail.sweep.name || detail.sweep.id}`;
    const stamp = viewStamp(detail.view, detail.sweep.state);
    if (stamp !== this._stamp) {
      this._stamp = stamp;
      this._draw();
    }
    const busy = detail.sweep.state === 'running' || detail.view.trials.some(t => t.state === 'running');
    if (!busy) {
      this.poller.setVisible(false); // an ended sweep does not change: no more polling until looked at again
    }
  }

  protected onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this._redrawSoon();
  }

  protected onAfterShow(): void {
    super.onAfterShow();
    this._redrawSoon();
  }

  private _redrawSoon(): void {
    if (this._resizeTimer === null && this._detail) {
      this._resizeTimer = setTimeout(() => {
        this._resizeTimer = null;
        const width = this._width();
        if (width !== this._drawnWidth) {
          this._draw();
        }
      }, 100);
    }
  }

  private _width(): number {
    return Math.max(320, (this._parallel.clientWidth || this.node.clientWidth || 640) - 4);
  }

  private _showError(error: unknown): void {
    this._error.textContent = error instanceof Error ? error.message : String(error);
    this._error.hidden = false;
  }

  private _draw(): void {
    const detail = this._detail;
    if (!detail) {
      return;
    }
    const { sweep, view } = detail;
    this._drawnWidth = this._width();
    this._header.replaceChildren(
      el('span', { className: `jp-PyTracker-badge ${stateClass(sweep.state)}`, text: sweep.state }),
      el('span', { className: 'jp-PyTracker-runTitle jp-PyTracker-sweepName', text: sweep.name || sweep.id }),
      el('span', {
        className: 'jp-PyTracker-runDetails',
        text: [
          sweep.method ? `${sweep.method} sweep` : 'sweep',
          `${view.trials.length}${sweep.run_cap ? `/${sweep.run_cap}` : ''} trials`,
          sweep.best && sweep.metric?.name ? `best ${sweep.metric.name} ${formatNumber(sweep.best.value)}` : ''
        ].filter(Boolean).join(' · ')
      })
    );
    const chosen = view.metric?.name ?? '';
    this._picker.replaceChildren(
      ...view.metrics.map(m => {
        const option = el('option', { text: m });
        option.value = m;
        return option;
      })
    );
    this._picker.value = chosen;
    this._picker.hidden = view.metrics.length < 2;
    this._drawParallel(view);
    this._drawImportance(view);
    this._drawByTrial(view);
  }

  private _drawParallel(view: ISweepView): void {
    const box = this._parallel;
    box.textContent = '';
    if (view.trials.length === 0) {
      box.appendChild(el('div', { className: 'jp-PyTracker-empty', text: 'No trial has started yet.' }));
      return;
    }
    const width = this._drawnWidth;
    const metric = metricAxis(view);
    const frame: IFrame = { width, height: PARALLEL_HEIGHT, left: 40, right: metric ? 110 : 70, top: 34, bottom: 30 };
    const svg = svgEl('svg', { width, height: PARALLEL_HEIGHT, class: 'jp-PyTracker-parallelSvg', role: 'img' });
    svg.appendChild(svgEl('title', {}, `parallel coordinates of ${view.trials.length} trials`));
    const scale = THEME_SCALE;
    const goal = view.metric?.goal ?? 'minimize';
    const lines = svgEl('g', { class: 'jp-PyTracker-trialLines' });
    for (const line of trialLines(view, frame)) {
      const t = colourFraction(line.trial.metric, metric?.lo, metric?.hi, goal);
      const poly = svgEl('polyline', {
        class: `jp-PyTracker-trialLine${line.missing ? ' jp-PyTracker-trialMissing' : ''}`,
        points: pointsAttr(line.points),
        style: `stroke: ${lineColour(scale, t)}`,
        'data-run-id': line.trial.run_id,
        'data-trial': line.trial.number
      });
      const text = hoverLines(view, line.trial);
      poly.appendChild(svgEl('title', {}, text.join('\n')));
      poly.addEventListener('mouseenter', e => this._hover(poly, text, e));
      poly.addEventListener('mousemove', e => this._moveTooltip(e));
      poly.addEventListener('mouseleave', () => this._unhover(poly));
      poly.addEventListener('click', () => void this.commands.execute(CommandIDs.open, { ids: [line.trial.run_id] }));
      lines.appendChild(poly);
    }
    view.axes.forEach((axis, a) => {
      const x = axisX(a, view.axes.length, frame);
      const g = svgEl('g', {
        class: `jp-PyTracker-axis jp-PyTracker-axis-${axis.kind}`,
        'data-axis': axis.name,
        'data-kind': axis.kind,
        'data-role': axis.role
      });
      g.appendChild(svgEl('line', { x1: x, x2: x, y1: axisY(0, frame), y2: axisY(1, frame), class: 'jp-PyTracker-axisLine' }));
      const anchor = a === 0 ? 'start' : a === view.axes.length - 1 ? 'end' : 'middle';
      const name = svgEl('text', { x, y: 14, class: 'jp-PyTracker-axisName', 'text-anchor': anchor }, axis.name);
      g.appendChild(name);
      for (const tick of axis.ticks) {
        const y = axisY(tick.position, frame);
        g.appendChild(svgEl('line', { x1: x - 4, x2: x, y1: y, y2: y, class: 'jp-PyTracker-axisLine' }));
        g.appendChild(svgEl('text', { x: x + 5, y: y + 4, class: 'jp-PyTracker-tickLabel' }, tick.label));
      }
      svg.appendChild(g);
    });
    svg.insertBefore(lines, svg.firstChild?.nextSibling ?? null);
    if (metric && metric.lo !== null && metric.lo !== undefined) {
      svg.appendChild(this._colourBar(metric.name, metric.ticks, scale, goal, frame));
    }
    box.appendChild(svg);
    if (view.trial_count > view.trials.length) {
      box.appendChild(
        el('div', {
          className: 'jp-PyTracker-sweepConstant',
          text: `the newest ${view.trials.length} of the sweep's ${view.trial_count} trials are drawn`
        })
      );
    }
    if (view.constant.length) {
      box.appendChild(
        el('div', {
          className: 'jp-PyTracker-sweepConstant',
          text: `constant (not drawn): ${view.constant.map(c => `${c.name} = ${valueLabel(c.value)}`).join(', ')}`
        })
      );
    }
  }

  /** A vertical bar at the right: the metric's colours from its low end to its high end, with its ticks. */
  private _colourBar(name: string, ticks: { position: number; label: string }[], scale: IColourScale,
                     goal: string, frame: IFrame): SVGGElement {
    const x = frame.width - BAR_WIDTH - 46;
    const g = svgEl('g', { class: 'jp-PyTracker-colourBar', 'data-metric': name });
    const id = `pt-bar-${this.sweepId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const gradient = svgEl('linearGradient', { id, x1: 0, x2: 0, y1: 1, y2: 0 });
    for (const [offset, position] of [[0, 0], [0.5, 0.5], [1, 1]]) {
      // position 0 is the metric's low end; its colour follows the goal
      const t = goal === 'maximize' ? position : 1 - position;
      gradient.appendChild(svgEl('stop', { offset, style: `stop-color: ${lineColour(scale, t)}` }));
    }
    const defs = svgEl('defs');
    defs.appendChild(gradient);
    g.appendChild(defs);
    g.appendChild(svgEl('rect', {
      x, y: axisY(1, frame), width: BAR_WIDTH, height: axisY(0, frame) - axisY(1, frame),
      fill: `url(#${id})`, class: 'jp-PyTracker-colourBarRect'
    }));
    for (const tick of ticks) {
      g.appendChild(svgEl('text', { x: x + BAR_WIDTH + 4, y: axisY(tick.position, frame) + 4, class: 'jp-PyTracker-tickLabel' },
        tick.label));
    }
    return g;
  }

  private _hover(poly: SVGPolylineElement, text: string[], event: MouseEvent): void {
    // highlighted in place: moving the node under the pointer would lose its mouseleave
    poly.classList.add('jp-PyTracker-trialHover');
    this._tooltip.replaceChildren(...text.map((t, i) => el('div', { className: i ? '' : 'jp-PyTracker-tooltipTitle', text: t })));
    this._tooltip.hidden = false;
    this._moveTooltip(event);
  }

  private _moveTooltip(event: MouseEvent): void {
    const box = this.node.getBoundingClientRect();
    this._tooltip.style.left = `${event.clientX - box.left + 12}px`;
    this._tooltip.style.top = `${event.clientY - box.top + 12 + this.node.scrollTop}px`;
  }

  private _unhover(poly: SVGPolylineElement): void {
    poly.classList.remove('jp-PyTracker-trialHover');
    this._tooltip.hidden = true;
  }

  private _drawImportance(view: ISweepView): void {
    const box = this._importance;
    const imp = view.importance;
    box.textContent = '';
    box.appendChild(el('div', {
      className: 'jp-PyTracker-sectionTitle',
      text: `Parameter importance with respect to ${imp.metric ?? 'the metric'} (${imp.trials} trials)`
    }));
    if (imp.rows.length) {
      const body = el('tbody');
      for (const row of imp.rows) {
        const sign = correlationSign(row.correlation);
        const forest = row.forest === null ? el('span', { text: '—' }) : el('span', { className: 'jp-PyTracker-importanceCell' }, [
          el('span', { className: 'jp-PyTracker-importanceBar', attrs: { style: `width: ${Math.round(row.forest * 100)}px` } }),
          el('span', { text: row.forest.toFixed(3) })
        ]);
        const corr = row.correlation === null ? el('span', { text: '—' }) : el('span', { className: 'jp-PyTracker-importanceCell' }, [
          el('span', {
            className: `jp-PyTracker-correlationBar jp-PyTracker-correlation-${sign}`,
            attrs: { style: `width: ${Math.round(Math.abs(row.correlation) * 50)}px` }
          }),
          el('span', { text: `${row.correlation >= 0 ? '+' : '−'}${Math.abs(row.correlation).toFixed(3)}` })
        ]);
        body.appendChild(el('tr', { attrs: { 'data-param': row.name, 'data-sign': sign } }, [
          el('td', {}, [el('code', { text: row.name })]),
          el('td', {}, [forest]),
          el('td', {}, [corr])
        ]));
      }
      box.appendChild(el('table', { className: 'jp-PyTracker-importanceTable' }, [
        el('thead', {}, [el('tr', {}, [el('th', { text: 'parameter' }), el('th', { text: 'importance' }), el('th', { text: 'correlation' })])]),
        body
      ]));
    }
    const note = imp.note || (imp.rows.length ? '' : 'no parameter varies over the scored trials');
    if (note) {
      box.appendChild(el('div', { className: 'jp-PyTracker-importanceNote', text: note }));
    }
  }

  private _drawByTrial(view: ISweepView): void {
    const box = this._byTrial;
    box.textContent = '';
    const { points, best, count } = byTrial(view);
    const metric = metricAxis(view);
    this._byTrialTitle.textContent = `${metric?.name ?? 'Metric'} by trial`;
    if (!metric || points.length === 0 || metric.lo === null || metric.lo === undefined ||
        metric.hi === null || metric.hi === undefined) {
      box.appendChild(el('div', { className: 'jp-PyTracker-empty', text: 'No trial reported the metric yet.' }));
      return;
    }
    const lo = metric.lo, hi = metric.hi;
    const width = this._drawnWidth;
    const frame: IFrame = { width, height: BY_TRIAL_HEIGHT, left: 64, right: 16, top: 12, bottom: 36 };
    const svg = svgEl('svg', { width, height: BY_TRIAL_HEIGHT, class: 'jp-PyTracker-byTrialSvg', role: 'img' });
    svg.appendChild(svgEl('title', {}, `${metric.name} by trial`));
    const x0 = frame.left, x1 = width - frame.right, yBottom = axisY(0, frame) + 6;
    svg.appendChild(svgEl('line', { x1: x0, x2: x1, y1: yBottom, y2: yBottom, class: 'jp-PyTracker-axisLine' }));
    svg.appendChild(svgEl('line', { x1: x0, x2: x0, y1: axisY(1, frame), y2: yBottom, class: 'jp-PyTracker-axisLine' }));
    const xTicks = svgEl('g', { class: 'jp-PyTracker-trialTicks' });
    for (const n of trialTicks(count)) {
      xTicks.appendChild(svgEl('text', { x: trialX(n, count, frame), y: yBottom + 14, 'text-anchor': 'middle', class: 'jp-PyTracker-tickLabel' },
        String(n)));
    }
    svg.appendChild(xTicks);
    svg.appendChild(svgEl('text', { x: (x0 + x1) / 2, y: BY_TRIAL_HEIGHT - 4, 'text-anchor': 'middle', class: 'jp-PyTracker-axisName' }, 'trial'));
    for (const tick of metric.ticks) {
      svg.appendChild(svgEl('text', { x: x0 - 6, y: axisY(tick.position, frame) + 4, 'text-anchor': 'end', class: 'jp-PyTracker-tickLabel' },
        tick.label));
    }
    if (best.length) {
      const steps: [number, number][] = [];
      best.forEach(([n, v], i) => {
        const y = valueY(v, lo, hi, frame);
        if (i > 0) {
          steps.push([trialX(n, count, frame), steps[steps.length - 1][1]]);
        }
        steps.push([trialX(n, count, frame), y]);
      });
      steps.push([trialX(count, count, frame), steps[steps.length - 1][1]]);
      svg.appendChild(svgEl('polyline', { points: pointsAttr(steps), class: 'jp-PyTracker-bestLine' },));
    }
    const dots = svgEl('g', { class: 'jp-PyTracker-trialDots' });
    for (const p of points) {
      const dot = svgEl('circle', {
        cx: trialX(p.number, count, frame), cy: valueY(p.value, lo, hi, frame), r: 4,
        class: `jp-PyTracker-trialDot jp-PyTracker-dot-${p.trial.state}`,
        'data-trial': p.number, 'data-run-id': p.trial.run_id
      });
      dot.appendChild(svgEl('title', {}, hoverLines(view, p.trial).join('\n')));
      dots.appendChild(dot);
    }
    svg.appendChild(dots);
    box.appendChild(svg);
  }

  private _detail: ISweepDetail | null = null;
  private _metric = '';
  private _stamp = '';
  private _drawnWidth = 0;
  private _resizeTimer: ReturnType<typeof setTimeout> | null = null;
  private _header = document.createElement('div');
  private _picker = document.createElement('select');
  private _error = document.createElement('div');
  private _tooltip = document.createElement('div');
  private _parallel = document.createElement('div');
  private _importance = document.createElement('div');
  private _byTrial = document.createElement('div');
  private _byTrialTitle = el('div', { className: 'jp-PyTracker-sectionTitle jp-PyTracker-byTrialTitle', text: 'Metric by trial' });
}
