/**
 * One run (or several, compared) in the main area: charts drawn from the
 * server-downsampled history, custom charts, logged Tables, images and histograms
 * over steps (Media), system charts,
 * config, summary, logs (tailed by byte offset) and files. Refreshes every few
 * seconds while visible and while any shown run is still running.
 */
import type { CommandRegistry } from '@lumino/commands';

import type { IFileEntry, IRunDetail, TrackerClient } from '../api/client';
import { LineChart } from '../charts/chart';
import { ChartLink } from '../charts/link';
import { chartsByKey } from '../charts/series';
import { customChartStamp, ICustomChartView, renderCustomChart } from '../charts/customchart';
import { el, flatten, kvTable, valueText } from '../util/dom';
import { renderFiles } from './files';
import { ImageUrls, renderTables, runImages, TableView } from './tables';
import { tablesStamp } from '../model/tablemodel';
import { mediaStamp } from '../model/mediamodel';
import { IMediaView, renderMedia } from './media';
import {
  alertClass,
  clockTime,
  formatDuration,
  formatTime,
  importedText,
  runDuration,
  stateClass
} from '../util/format';
import { drawLineage } from './lineage';
import { VisiblePoller } from '../model/poller';
import { PollingWidget } from './pollingwidget';
import { CommandIDs } from './rows';

const TABS = ['Charts', 'Custom charts', 'Tables', 'Media', 'System', 'Config', 'Summary', 'Logs', 'Files', 'Lineage'] as const;
type Tab = (typeof TABS)[number];
const POINTS = 2000;
const MAX_LOG_CHARS = 1_000_000;

const NEWEST_ALERTS = 5;

/** A run's newest alerts (up to 5, newest first) as "LEVEL hh:mm:ss title: text" lines. */
export function alertLines(run: IRunDetail): HTMLElement | null {
  const alerts = (run.alerts ?? []).slice(-NEWEST_ALERTS).reverse();
  if (alerts.length === 0) {
    return null;
  }
  return el(
    'div',
    { className: 'jp-PyTracker-alerts', attrs: { 'data-run-id': run.id } },
    alerts.map(a =>
      el('div', {
        className: `jp-PyTracker-alertLine ${alertClass(a.level)}`,
        text: `${a.level} ${clockTime(a.at)} ${a.title}: ${a.text}`
      })
    )
  );
}

/** Where an imported run came from and what of its source could not be read; null when not imported. */
export function importedLines(run: IRunDetail): HTMLElement | null {
  const text = importedText(run.imported);
  if (!text) {
    return null;
  }
  return el(
    'div',
    {
      className: 'jp-PyTracker-importedLines',
      attrs: { 'data-run-id': run.id, 'data-source': run.imported!.source }
    },
    [
      el('div', { className: 'jp-PyTracker-imported', text }),
      ...(run.imported!.problems ?? []).map(p =>
        el('div', { className: 'jp-PyTracker-importedProblem', text: `not readable: ${p}` })
      )
    ]
  );
}

export class RunView extends PollingWidget {
  constructor(
    private readonly client: TrackerClient,
    private readonly commands: CommandRegistry,
    readonly ids: string[]
  ) {
    super();
    this.addClass('jp-PyTracker-runView');
    this.poller = new VisiblePoller(() => this.refresh(), 3000, e => this._showError(e));
    this._build();
  }

  readonly poller: VisiblePoller;

  get compare(): boolean {
    return this.ids.length > 1;
  }

  dispose(): void {
    this.poller.dispose();
    this._charts.forEach(c => c.dispose());
    this._images?.dispose();
    super.dispose();
  }

  /** Reload the runs and the open tab (the poller calls this). */
  async refresh(): Promise<void> {
    const answers = await Promise.all(this.ids.map(id => this.client.run(id)));
    const before = this._stamp;
    this._runs = answers.map(a => a.run);
    this._files = answers[0]?.files ?? [];
    this._stamp = this._runs.map(r => `${r.state}:${r.updated_at}:${valueText(r.summary?._step)}`).join('|');
    const changed = before !== this._stamp;
    this._renderHeader();
    this._error.hidden = true;
    await this._renderTab(changed);
    const running = this._runs.some(r => r.state === 'running');
    this.title.label = this._label();
    if (!running && this._tab !== 'Logs') {
      // finished runs do not change: stop polling until the user looks again
      this.poller.setVisible(false);
    }
  }

  private _label(): string {
    if (this.compare) {
      return `Compare ${this.ids.length} runs`;
    }
    const run = this._runs[0];
    return run ? `Run ${run.name || run.id}` : `Run ${this.ids[0]}`;
  }

  private _build(): void {
    this._header.className = 'jp-PyTracker-runHeader';
    const tabs = el('div', { className: 'jp-PyTracker-tabs' });
    for (const tab of TABS) {
      if (this.compare && (tab === 'Logs' || tab === 'Files' || tab === 'Lineage' || tab === 'Custom charts' || tab === 'Tables' || tab === 'Media')) {
        continue;
      }
      const button = el('button', {
        className: 'jp-PyTracker-tab',
        text: tab,
        attrs: { 'data-tab': tab },
        onClick: () => {
          this._tab = tab;
          tabs.querySelectorAll('.jp-PyTracker-tab').forEach(b =>
            b.classList.toggle('jp-mod-active', b === button)
          );
          void this._renderTab(true);
          this.poller.setVisible(this.isVisible);
        }
      });
      button.classList.toggle('jp-mod-active', tab === this._tab);
      tabs.appendChild(button);
    }
    this._error.className = 'jp-PyTracker-error';
    this._error.hidden = true;
    this._body.className = 'jp-PyTracker-body';
    this.node.append(this._header, tabs, this._error, this._body);
  }

  private _showError(error: unknown): void {
    this._error.textContent = error instanceof Error ? error.message : String(error);
    this._error.hidden = false;
  }

  private _renderHeader(): void {
    const h = this._header;
    h.textContent = '';
    const now = Date.now() / 1000;
    for (const run of this._runs) {
      const line = el('div', { className: 'jp-PyTracker-runLine', attrs: { 'data-run-id': run.id } }, [
        el('span', { className: `jp-PyTracker-badge ${stateClass(run.state)}`, text: run.state }),
        el('span', { className: 'jp-PyTracker-runTitle', text: run.name || run.id }),
        el('span', {
          className: 'jp-PyTracker-runDetails',
          text: [run.id, run.project, run.group, formatDuration(runDuration(run, now)), formatTime(run.created_at)]
            .filter(Boolean)
            .join(' · ')
        })
      ]);
      if (run.tags?.length) {
        line.appendChild(el('span', { className: 'jp-PyTracker-tags', text: run.tags.join(', ') }));
      }
      if (run.state === 'running') {
        line.appendChild(
          el('button', {
            className: 'jp-PyTracker-button jp-PyTracker-stop',
            text: '■ Stop',
            onClick: () => void this.commands.execute(CommandIDs.stop, { id: run.id })
          })
        );
      }
      h.appendChild(line);
      const imported = importedLines(run);
      if (imported) {
        h.appendChild(imported);
      }
      const alerts = alertLines(run);
      if (alerts) {
        h.appendChild(alerts);
      }
    }
  }

  private async _renderTab(changed: boolean): Promise<void> {
    const tab = this._tab;
    if (tab === 'Charts' || tab === 'System') {
      if (changed || this._shownTab !== tab) {
        await this._renderCharts(tab === 'System' ? 'system' : 'history');
      }
    } else if (tab === 'Custom charts') {
      // tables are fetched again only when a chart key got a new value (a new table file)
      const stamp = customChartStamp(this._runs[0]?.summary);
      if (this._shownTab !== tab || stamp !== this._customStamp) {
        await this._renderCustomCharts();
        this._customStamp = stamp;
      }
    } else if (tab === 'Tables') {
      // rows are fetched again only when a Table key got a new value (a new table file)
      const stamp = tablesStamp(this._runs[0]?.summary);
      if (this._shownTab !== tab || stamp !== this._tablesStamp) {
        await this._renderTables();
        this._tablesStamp = stamp;
      }
    } else if (tab === 'Media') {
      // fetched again only when the run logged again (a new _step) or a media key appeared
      const stamp = mediaStamp(this._runs[0]?.summary);
      if (this._shownTab !== tab || stamp !== this._mediaStamp) {
        await this._renderMedia();
        this._mediaStamp = stamp;
      }
    } else if (tab === 'Logs') {
      await this._renderLogs();
    } else if (tab === 'Lineage') {
      if (changed || this._shownTab !== tab) {
        await this._renderLineage();
      }
    } else if (changed || this._shownTab !== tab) {
      this._clearBody();
      if (tab === 'Config' || tab === 'Summary') {
        this._body.appendChild(this._compareTable(tab === 'Config' ? 'config' : 'summary'));
      } else if (tab === 'Files') {
        renderFiles(this._body, this.client, this.ids[0], this._files);
      }
    }
    this._shownTab = tab;
  }

  private _clearBody(): void {
    this._charts.forEach(c => c.dispose());
    this._charts = [];
    this._custom.forEach(c => c.dispose());
    this._custom = [];
    this._body.textContent = '';
  }

  /** Every custom chart (`wandb.plot.*`) the run logged, newest value of each key (GET runs/<id>/charts). */
  private async _renderCustomCharts(): Promise<void> {
    const { charts } = await this.client.charts(this.ids[0]);
    if (this._tab !== 'Custom charts') {
      return; // the user moved on while the answer was on its way
    }
    this._clearBody();
    const grid = el('div', { className: 'jp-PyTracker-chartGrid jp-PyTracker-customCharts' });
    this._body.appendChild(grid);
    for (const chart of charts) {
      const view = renderCustomChart(chart);
      this._custom.push(view);
      grid.appendChild(view.node);
    }
    if (!charts.length) {
      grid.appendChild(
        el('div', {
          className: 'jp-PyTracker-empty',
          text: 'No custom charts: log one with run.log({"name": wandb.plot.line(table, "x", "y")}).'
        })
      );
    }
  }

  /** Every logged Table, newest value of each key (GET runs/<id>/tables); sort and filter kept per key. */
  private async _renderTables(): Promise<void> {
    const id = this.ids[0];
    const { tables } = await this.client.tables(id);
    if (this._tab !== 'Tables') {
      return; // the user moved on while the answer was on its way
    }
    this._clearBody();
    this._images ??= runImages(this.client, id);
    this._tableViews = renderTables(this._body, tables, this._images, this._tableViews);
  }

  /** Every logged image and histogram key over its steps (GET runs/<id>/media); each image key keeps its step. */
  private async _renderMedia(): Promise<void> {
    const id = this.ids[0];
    const { media } = await this.client.media(id);
    if (this._tab !== 'Media') {
      return; // the user moved on while the answer was on its way
    }
    this._clearBody();
    this._images ??= runImages(this.client, id);
    this._mediaViews = renderMedia(this._body, media, this._images, this._mediaViews);
  }

  private async _renderCharts(stream: 'history' | 'system'): Promise<void> {
    const histories = await Promise.all(
      this._runs.map(async run => ({
        label: run.name || run.id,
        history: await this.client.history(run.id, { points: POINTS }, stream)
      }))
    );
    const groups = chartsByKey(histories);
    const xAxis = histories[0]?.history.x_axis ?? '_step';
    const keys = [...groups.keys()];
    const sameKeys =
      this._shownTab === (stream === 'system' ? 'System' : 'Charts') &&
      keys.length === this._charts.length &&
      keys.every((k, i) => this._chartKeys[i] === k);
    if (!sameKeys) {
      this._clearBody();
      const grid = el('div', { className: 'jp-PyTracker-chartGrid' });
      this._body.append(this._chartToolbar(), grid);
      this._chartKeys = keys;
      for (const key of keys) {
        const chart = new LineChart(key, groups.get(key)![0]?.xAxis ?? xAxis, { link: this._link });
        chart.node.dataset.key = key;
        this._charts.push(chart);
        grid.appendChild(chart.node);
      }
      if (keys.length === 0) {
        grid.appendChild(el('div', { className: 'jp-PyTracker-empty', text: 'Nothing logged yet.' }));
      }
    }
    keys.forEach((key, i) => this._charts[i].setData(groups.get(key)!));
  }

  /**
   * Smoothing (W&B's slider: exponential moving average 0..0.99, the raw line faint behind)
   * and "Reset zoom" for every chart of the view; zoom and hover are shared through `_link`.
   */
  private _chartToolbar(): HTMLElement {
    const link = this._link;
    const value = el('span', { className: 'jp-PyTracker-smoothingValue', text: link.smoothing.toFixed(2) });
    const slider = el('input', {
      className: 'jp-PyTracker-smoothing',
      attrs: { type: 'range', min: '0', max: '0.99', step: '0.01', 'aria-label': 'Smoothing' }
    });
    slider.value = String(link.smoothing);
    slider.addEventListener('input', () => {
      link.setSmoothing(Number(slider.value));
      value.textContent = link.smoothing.toFixed(2);
    });
    const reset = el('button', {
      className: 'jp-PyTracker-button jp-PyTracker-resetZoom',
      text: 'Reset zoom',
      attrs: { title: 'Every chart back to its full range (drag a box or use the wheel to zoom; double-click resets one)' },
      onClick: () => {
        this._charts.forEach(c => c.resetZoom());
        link.resetAll();
      }
    });
    return el('div', { className: 'jp-PyTracker-chartToolbar' }, [
      el('label', { className: 'jp-PyTracker-smoothingLabel', text: 'Smoothing' }, [slider, value]),
      reset
    ]);
  }

  private _compareTable(field: 'config' | 'summary'): HTMLElement {
    if (!this.compare) {
      return kvTable((this._runs[0]?.[field] ?? {}) as Record<string, unknown>);
    }
    const flat = this._runs.map(r => new Map(flatten((r[field] ?? {}) as Record<string, unknown>)));
    const keys = [...new Set(flat.flatMap(m => [...m.keys()]))].sort();
    const table = el('table', { className: 'jp-PyTracker-kv' });
    table.appendChild(
      el('tr', {}, [el('th', { text: 'key' }), ...this._runs.map(r => el('th', { text: r.name || r.id }))])
    );
    for (const key of keys) {
      const values = flat.map(m => (m.has(key) ? valueText(m.get(key)) : '—'));
      const differs = new Set(values).size > 1;
      table.appendChild(
        el('tr', { className: differs ? 'jp-PyTracker-differs' : '' }, [
          el('th', { text: key }),
          ...values.map(v => el('td', { text: v }))
        ])
      );
    }
    return table;
  }

  /** The run's artifact lineage (GET runs/<id>/lineage) as an SVG built with DOM calls. */
  private async _renderLineage(): Promise<void> {
    const id = this.ids[0];
    const graph = await this.client.lineage(id);
    if (this._tab !== 'Lineage') {
      return; // the user moved on while the answer was on its way
    }
    this._clearBody();
    if (!graph.edges.length) {
      this._body.appendChild(
        el('div', {
          className: 'jp-PyTracker-empty',
          text: 'This run used and logged no artifacts (run.use_artifact / run.log_artifact).'
        })
      );
      return;
    }
    const box = el('div', { className: 'jp-PyTracker-lineageBox' });
    box.style.overflow = 'auto';
    box.appendChild(drawLineage(graph, `run:${id}`));
    this._body.appendChild(box);
  }

  private async _renderLogs(): Promise<void> {
    const id = this.ids[0];
    if (this._shownTab !== 'Logs') {
      this._clearBody();
      this._log = el('pre', { className: 'jp-PyTracker-log' });
      this._body.appendChild(this._log);
      this._logOffset = undefined;
    }
    const logs = await this.client.logs(id, this._logOffset);
    if (!this._log) {
      return;
    }
    if (this._logOffset === undefined && logs.offset > 0) {
      this._log.textContent = `… (${logs.offset} earlier bytes not shown)\n`;
    }
    if (logs.text) {
      const pinned = this._body.scrollTop + this._body.clientHeight >= this._body.scrollHeight - 4;
      this._log.appendChild(document.createTextNode(logs.text));
      const text = this._log.textContent ?? '';
      if (text.length > MAX_LOG_CHARS) {
        this._log.textContent = text.slice(text.length - MAX_LOG_CHARS);
      }
      if (pinned) {
        this._body.scrollTop = this._body.scrollHeight;
      }
    }
    this._logOffset = logs.next_offset;
  }

  private _tab: Tab = 'Charts';
  private _shownTab: Tab | null = null;
  private _runs: IRunDetail[] = [];
  private _files: IFileEntry[] = [];
  private _stamp = '';
  private _charts: LineChart[] = [];
  /** Shared by the view's charts: zoomed x-range and hover per x axis, smoothing. */
  private _link = new ChartLink();
  private _custom: ICustomChartView[] = [];
  private _customStamp = '';
  private _tablesStamp = '';
  /** The Tables tab's views by key (their sort and filter outlive a tab switch) and image URLs. */
  private _tableViews = new Map<string, TableView>();
  private _images: ImageUrls | null = null;
  private _mediaStamp = '';
  /** The Media tab's views by kind and key (an image key's step outlives a tab switch). */
  private _mediaViews = new Map<string, IMediaView>();
  private _chartKeys: string[] = [];
  private _log: HTMLPreElement | null = null;
  private _logOffset: number | undefined = undefined;
  private _header = document.createElement('div');
  private _error = document.createElement('div');
  private _body = document.createElement('div');
}
