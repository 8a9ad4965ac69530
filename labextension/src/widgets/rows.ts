/**
 * Rows of the sidebar (runs and sweeps) and the command ids behind their
 * actions. Every user string goes in as text (see dom.ts).
 */
import { Menu } from '@lumino/widgets';
import type { CommandRegistry } from '@lumino/commands';

import type { IRun, ISweep } from '../api/client';
import { el } from '../util/dom';
import {
  alertClass,
  alertText,
  formatDuration,
  formatNumber,
  importedText,
  keyMetric,
  runDuration,
  stateClass
} from '../util/format';
import type { SidebarModel } from '../model/sidebarmodel';

export const CommandIDs = {
  open: 'py-tracker:open-run',
  compare: 'py-tracker:compare-runs',
  stop: 'py-tracker:stop-run',
  stopSweep: 'py-tracker:stop-sweep',
  openSweep: 'py-tracker:open-sweep',
  filterSweep: 'py-tracker:filter-sweep',
  rename: 'py-tracker:rename-run',
  tag: 'py-tracker:tag-run',
  remove: 'py-tracker:delete-run',
  copyId: 'py-tracker:copy-run-id',
  insertShow: 'py-tracker:insert-show-cell',
  refresh: 'py-tracker:refresh'
};

/** What a row needs: the model (selection, filters) and the commands (actions). */
export interface IRowContext {
  model: SidebarModel;
  commands: CommandRegistry;
}

/** One run: checkbox, state badge, name (opens it), details, key metric, actions. */
export function runRow(run: IRun, now: number, ctx: IRowContext): HTMLElement {
  const m = ctx.model;
  const check = el('input', { title: 'Select to compare' });
  check.type = 'checkbox';
  check.checked = m.selected.has(run.id);
  check.addEventListener('change', () => m.toggleSelected(run.id));
  const metric = keyMetric(run.summary);
  const name = el('span', {
    className: 'jp-PyTracker-runName',
    text: run.name || run.id,
    title: `${run.name} (${run.id}) — click to open`,
    onClick: () => void ctx.commands.execute(CommandIDs.open, { ids: [run.id] })
  });
  const details = [
    ctx.model.project ? '' : run.project,
    run.group ?? '',
    formatDuration(runDuration(run, now))
  ].filter(Boolean);
  const actions = el('span', { className: 'jp-PyTracker-rowActions' });
  if (run.state === 'running') {
    actions.appendChild(
      el('button', {
        className: 'jp-PyTracker-button jp-PyTracker-stop',
        text: '■',
        title: 'Stop this run',
        onClick: () => void ctx.commands.execute(CommandIDs.stop, { id: run.id })
      })
    );
  }
  actions.appendChild(
    el('button', {
      className: 'jp-PyTracker-button jp-PyTracker-more',
      text: '⋯',
      title: 'More actions',
      onClick: e => openRunMenu(run, e, ctx.commands)
    })
  );
  return el(
    'div',
    {
      className: 'jp-PyTracker-runRow',
      attrs: { 'data-run-id': run.id, 'data-state': run.state }
    },
    [
      check,
      el('span', {
        className: `jp-PyTracker-badge ${stateClass(run.state)}`,
        text: run.state,
        title: run.state
      }),
      el('span', { className: 'jp-PyTracker-runMain' }, [
        name,
        el('span', { className: 'jp-PyTracker-runSub' }, [
          alertBadge(run),
          el('span', { className: 'jp-PyTracker-runDetails', text: details.join(' · ') }),
          el('span', {
            className: 'jp-PyTracker-metric',
            text: metric ? `${metric.key} ${formatNumber(metric.value)}` : '',
            title: metric ? `${metric.key} = ${metric.value}` : ''
          })
        ]),
        importedLine(run)
      ]),
      actions
    ]
  );
}

/** "imported from wandb: <path>" under an imported run's name; null for a run recorded here. */
export function importedLine(run: IRun): HTMLElement | null {
  const text = importedText(run.imported);
  if (!text) {
    return null;
  }
  return el('span', {
    className: 'jp-PyTracker-imported',
    text,
    title: text,
    attrs: { 'data-source': run.imported!.source }
  });
}

/** The run's alert count, coloured by its newest alert's level; null when it raised none. */
export function alertBadge(run: IRun): HTMLElement | null {
  const last = run.last_alert;
  if (!run.alert_count || !last) {
    return null;
  }
  return el('span', {
    className: `jp-PyTracker-badge jp-PyTracker-alertBadge ${alertClass(last.level)}`,
    text: String(run.alert_count),
    title: alertText(last)
  });
}

/** The row's "⋯" menu: every run action, through the shared commands. */
export function openRunMenu(run: IRun, event: MouseEvent, commands: CommandRegistry): void {
  const menu = new Menu({ commands: commands });
  menu.addClass('jp-PyTracker-menu');
  const args = { id: run.id };
  menu.addItem({ command: CommandIDs.open, args: { ids: [run.id] } });
  if (run.state === 'running') {
    menu.addItem({ command: CommandIDs.stop, args });
  }
  menu.addItem({ command: CommandIDs.rename, args });
  menu.addItem({ command: CommandIDs.tag, args });
  menu.addItem({ command: CommandIDs.copyId, args });
  menu.addItem({ command: CommandIDs.insertShow, args });
  menu.addItem({ type: 'separator' });
  menu.addItem({ command: CommandIDs.remove, args });
  menu.aboutToClose.connect(() => setTimeout(() => menu.dispose(), 0));
  menu.open(event.clientX, event.clientY);
}

/** One sweep: state, name (filters the runs to its trials), progress, best value, a button that
 * opens its view (parallel coordinates, importance, metric by trial), Stop. */
export function sweepRow(sweep: ISweep, ctx: IRowContext): HTMLElement {
  const cap = sweep.run_cap ?? 0;
  const bar = el('span', { className: 'jp-PyTracker-progress' }, [
    el('span', { className: 'jp-PyTracker-progressFill' })
  ]);
  const frac = cap > 0 ? Math.min(1, sweep.trial_count / cap) : sweep.state === 'running' ? 0 : 1;
  (bar.firstChild as HTMLElement).style.width = `${Math.round(frac * 100)}%`;
  const metricName = sweep.metric?.name ?? 'best';
  const best = sweep.best ? `${metricName} ${formatNumber(sweep.best.value)}` : '';
  const row = el(
    'div',
    { className: 'jp-PyTracker-sweepRow', attrs: { 'data-sweep-id': sweep.id } },
    [
      el('span', { className: `jp-PyTracker-badge ${stateClass(sweep.state)}`, text: sweep.state }),
      el('span', { className: 'jp-PyTracker-runMain' }, [
        el('span', {
          className: 'jp-PyTracker-runName',
          text: sweep.name || sweep.id,
          title: `${sweep.method ?? ''} sweep ${sweep.id}: click to list its trials`,
          onClick: () => void ctx.model.setFilter({ sweep: sweep.id })
        }),
        el('span', { className: 'jp-PyTracker-runSub' }, [
          bar,
          el('span', {
            className: 'jp-PyTracker-runDetails',
            text: `${sweep.trial_count}${cap ? `/${cap}` : ''}`
          }),
          el('span', { className: 'jp-PyTracker-metric', text: best, title: 'best value so far' })
        ])
      ])
    ]
  );
  row.appendChild(
    el('button', {
      className: 'jp-PyTracker-button jp-PyTracker-sweepOpen',
      text: '⫼',
      title: 'Open the sweep view: parallel coordinates, parameter importance, metric by trial',
      attrs: { 'aria-label': `Open sweep ${sweep.name || sweep.id}` },
      onClick: () => void ctx.commands.execute(CommandIDs.openSweep, { id: sweep.id })
    })
  );
  if (sweep.state === 'running') {
    row.appendChild(
      el('button', {
        className: 'jp-PyTracker-button jp-PyTracker-stop',
        text: '■',
        title: 'Stop this sweep',
        onClick: () => void ctx.commands.execute(CommandIDs.stopSweep, { id: sweep.id })
      })
    );
  }
  return row;
}
