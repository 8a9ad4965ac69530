/**
 * py_tracker's JupyterLab plugin: the sidebar tab, the run/compare views in
 * the main area, and the commands behind every action (stop, rename, tag,
 * delete, copy id, insert a `%track show <id>` cell).
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Clipboard,
  Dialog,
  InputDialog,
  MainAreaWidget,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';

import { TrackerClient } from './api/client';
import { installBokehLink } from './charts/bokehlink';
import { installWidgetRetry } from './widgets/widgetretry';
import { installBokehTheme } from './charts/bokehtheme';
import { SidebarModel } from './model/sidebarmodel';
import { installStopListener } from './api/oob';
import { RunView } from './widgets/runview';
import { SweepView } from './widgets/sweepview';
import { CommandIDs, TrackerSidebar } from './widgets/sidebar';

export { requestAPI } from './api/request';

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
  '<path class="jp-icon3" fill="#616161" d="M3 3h2v16h16v2H3zm4 12 4-5 3 3 5-7 1.6 1.2-6.4 8.9-3-3-2.6 3.1z"/></svg>';

export const trackerIcon = new LabIcon({ name: 'py_tracker:icon', svgstr: ICON_SVG });

/** The query parameter of `run.url` (`<server>/lab?py-tracker-run=<id>`): open that run's view. */
export const RUN_PARAM = 'py-tracker-run';

/** The run id `RUN_PARAM` names in `search` (a location.search), or null. */
export function runFromQuery(search: string): string | null {
  const id = new URLSearchParams(search).get(RUN_PARAM);
  return id && id.trim() ? id.trim() : null;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'py_tracker:plugin',
  description: 'Every py_tracker project, run and sweep on this machine, live.',
  autoStart: true,
  optional: [ILayoutRestorer, INotebookTracker],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    notebooks: INotebookTracker | null
  ) => {
    // read before JupyterLab's router rewrites the address
    const linkedRun = runFromQuery(window.location.search);
    const client = new TrackerClient();
    installStopListener(client);
    installBokehTheme();
    installBokehLink();
    if (notebooks) {
      installWidgetRetry(notebooks);
    }
    const model = new SidebarModel(client);
    const sidebar = new TrackerSidebar(model, app.commands);
    sidebar.id = 'py-tracker-sidebar';
    sidebar.title.icon = trackerIcon;
    sidebar.title.caption = 'py_tracker: projects, runs and sweeps';
    app.shell.add(sidebar, 'left', { rank: 650 });
    restorer?.add(sidebar, 'py-tracker-sidebar');
    const views = new Map<string, MainAreaWidget<RunView>>();
    const refresh = () => void sidebar.poller.refresh();

    const openRuns = (ids: string[]) => {
      const key = ids.join('+');
      let view = views.get(key);
      if (!view || view.isDisposed) {
        const content = new RunView(client, app.commands, ids);
        view = new MainAreaWidget({ content });
        view.id = `py-tracker-run-${ids.join('-')}`;
        view.addClass('jp-PyTracker-runPanel');
        view.title.icon = trackerIcon;
        view.title.label = ids.length > 1 ? `Compare ${ids.length} runs` : `Run ${ids[0]}`;
        view.title.closable = true;
        views.set(key, view);
        app.shell.add(view, 'main');
      }
      app.shell.activateById(view.id);
      void view.content.poller.refresh();
    };

    const sweepViews = new Map<string, MainAreaWidget<SweepView>>();
    const openSweep = (id: string) => {
      let view = sweepViews.get(id);
      if (!view || view.isDisposed) {
        const content = new SweepView(client, app.commands, id);
        view = new MainAreaWidget({ content });
        view.id = `py-tracker-sweepview-${id}`;
        view.addClass('jp-PyTracker-sweepPanel');
        view.title.icon = trackerIcon;
        view.title.label = `Sweep ${model.sweeps.find(s => s.id === id)?.name || id}`;
        view.title.closable = true;
        sweepViews.set(id, view);
        app.shell.add(view, 'main');
      }
      app.shell.activateById(view.id);
      void view.content.poller.refresh();
    };

    const runArg = (args: any): string => {
      const id = args?.id;
      if (typeof id !== 'string' || !id) {
        throw new Error('this command needs a run id (args.id)');
      }
      return id;
    };
    const nameOf = (id: string) => model.runs.find(r => r.id === id)?.name ?? id;

    app.commands.addCommand(CommandIDs.open, {
      label: 'Open run',
      execute: args => openRuns((args.ids as string[]) ?? [runArg(args)])
    });
    app.commands.addCommand(CommandIDs.compare, {
      label: 'Compare selected runs',
      execute: args => openRuns(args.ids as string[])
    });
    app.commands.addCommand(CommandIDs.refresh, {
      label: 'Refresh py_tracker runs',
      execute: refresh
    });
    app.commands.addCommand(CommandIDs.stop, {
      label: 'Stop run',
      execute: async args => {
        const id = runArg(args);
        try {
          await client.stopRun(id);
          Notification.info(`Stop requested for run ${nameOf(id)}`, { autoClose: 3000 });
          setTimeout(refresh, 1000); // the run's log() honours it within a second
        } catch (error) {
          Notification.error(`Could not stop run ${id}: ${errorText(error)}`);
        }
        refresh();
      }
    });
    app.commands.addCommand(CommandIDs.stopSweep, {
      label: 'Stop sweep',
      execute: async args => {
        const id = runArg(args);
        try {
          await client.stopSweep(id);
          Notification.info(`Stop requested for sweep ${id}`, { autoClose: 3000 });
        } catch (error) {
          Notification.error(`Could not stop sweep ${id}: ${errorText(error)}`);
        }
        refresh();
      }
    });
    app.commands.addCommand(CommandIDs.openSweep, {
      label: 'Open sweep view',
      execute: args => openSweep(runArg(args))
    });
    app.commands.addCommand(CommandIDs.filterSweep, {
      label: 'List the sweep\u2019s trials',
      execute: args => {
        void model.setFilter({ sweep: runArg(args) });
        app.shell.activateById(sidebar.id);
      }
    });
    app.commands.addCommand(CommandIDs.rename, {
      label: 'Rename…',
      execute: async args => {
        const id = runArg(args);
        const answer = await InputDialog.getText({ title: 'Rename run', text: nameOf(id) });
        if (answer.button.accept && answer.value !== null && answer.value.trim()) {
          try {
            await client.updateRun(id, { name: answer.value.trim() });
          } catch (error) {
            Notification.error(`Rename failed: ${errorText(error)}`);
          }
          refresh();
        }
      }
    });
    app.commands.addCommand(CommandIDs.tag, {
      label: 'Edit tags…',
      execute: async args => {
        const id = runArg(args);
        const current = model.runs.find(r => r.id === id)?.tags ?? [];
        const answer = await InputDialog.getText({
          title: 'Tags (comma separated)',
          text: current.join(', ')
        });
        if (answer.button.accept && answer.value !== null) {
          const tags = answer.value
            .split(',')
            .map(t => t.trim())
            .filter(Boolean);
          try {
            await client.updateRun(id, { tags });
          } catch (error) {
            Notification.error(`Tagging failed: ${errorText(error)}`);
          }
          refresh();
        }
      }
    });
    app.commands.addCommand(CommandIDs.remove, {
      label: 'Delete run…',
      execute: async args => {
        const id = runArg(args);
        const result = await showDialog({
          title: 'Delete run?',
          body: `Delete run "${nameOf(id)}" (${id}) with its history and files? This cannot be undone.`,
          buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })]
        });
        if (result.button.accept) {
          try {
            await client.deleteRun(id);
            for (const [key, view] of views) {
              if (key.split('+').includes(id)) {
                view.dispose();
                views.delete(key);
              }
            }
          } catch (error) {
            Notification.error(`Delete failed: ${errorText(error)}`);
          }
          refresh();
        }
      }
    });
    app.commands.addCommand(CommandIDs.copyId, {
      label: 'Copy run id',
      execute: args => {
        Clipboard.copyToSystem(runArg(args));
      }
    });
    app.commands.addCommand(CommandIDs.insertShow, {
      label: 'Insert %track show cell',
      isEnabled: () => !!notebooks?.currentWidget,
      execute: async args => {
        const id = runArg(args);
        const panel = notebooks?.currentWidget;
        if (!panel) {
          Notification.warning('Open a notebook first: the cell goes into the active notebook.');
          return;
        }
        NotebookActions.insertBelow(panel.content);
        const cell = panel.content.activeCell;
        if (cell) {
          cell.model.sharedModel.setSource(`%track show ${id}`);
        }
        app.shell.activateById(panel.id);
      }
    });
    if (linkedRun) {
      // run.url: open the run's view once the layout is restored, then drop the parameter
      // so a reload does not open it again
      void app.restored.then(() => {
        openRuns([linkedRun]);
        const url = new URL(window.location.href);
        url.searchParams.delete(RUN_PARAM);
        window.history.replaceState(window.history.state, '', url.toString());
      });
    }
  }
};

export default plugin;
