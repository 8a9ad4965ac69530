/**
 * Widget outputs that ipywidgets gave up on while a reloaded notebook's widget states were
 * still arriving are drawn again.
 *
 * A page that loads a notebook whose kernel is alive asks the kernel for every widget's state
 * (`request_states`) and renders each widget output meanwhile. The renderer waits 2 s for its
 * model, counted from when it started, and checks the clock before it checks for the model:
 * on a loaded machine (the kernel answering in 1-2 s, the page busy creating hundreds of
 * models) the models arrive after that deadline, the output reads "Error displaying widget:
 * model not found", and it stays so although the model is there a moment later. Here a
 * notebook's outputs are watched; an output showing that text is rendered again from its own
 * output model (a few tries, a second apart, while the kernel is connected). Where the kernel
 * really lacks the model (it was restarted) the text comes back and the tries end.
 */
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

export const MISSING_TEXT = 'Error displaying widget: model not found';
export const WIDGET_MIME = 'application/vnd.jupyter.widget-view+json';
export const RETRY_DELAY_MS = 1000;
export const MAX_TRIES = 3;

/** The parts of an output model and its renderer this module uses. */
export interface IOutputModelLike {
  readonly data: Record<string, unknown>;
}
export interface IRendererLike {
  readonly node: HTMLElement;
  renderModel(model: IOutputModelLike): Promise<void>;
}
export interface IOutputAreaLike {
  readonly widgets: ReadonlyArray<{ readonly widgets?: ReadonlyArray<unknown> }>;
  readonly model: { readonly length: number; get(index: number): IOutputModelLike | undefined };
}

function isRenderer(w: unknown): w is IRendererLike {
  return !!w && typeof (w as IRendererLike).renderModel === 'function' && !!(w as IRendererLike).node;
}

/**
 * The (renderer, output model) pairs of `area` whose widget output shows MISSING_TEXT.
 * The area's children and its model's outputs are in the same order.
 */
export function missingOutputs(area: IOutputAreaLike): Array<[IRendererLike, IOutputModelLike]> {
  const out: Array<[IRendererLike, IOutputModelLike]> = [];
  const n = Math.min(area.widgets.length, area.model.length);
  for (let i = 0; i < n; i++) {
    const model = area.model.get(i);
    if (!model || !(WIDGET_MIME in model.data)) {
      continue;
    }
    const renderer = (area.widgets[i].widgets ?? []).find(isRenderer);
    if (renderer && renderer.node.textContent === MISSING_TEXT) {
      out.push([renderer, model]);
    }
  }
  return out;
}

/** Whether a mutation added the text MISSING_TEXT. */
export function sawMissing(record: { addedNodes: ArrayLike<Node> }): boolean {
  for (let i = 0; i < record.addedNodes.length; i++) {
    const node = record.addedNodes[i];
    if (node.nodeType === 3 && node.nodeValue === MISSING_TEXT) {
      return true;
    }
  }
  return false;
}

/** Output areas of a notebook's code cells. */
function outputAreas(panel: NotebookPanel): IOutputAreaLike[] {
  const areas: IOutputAreaLike[] = [];
  for (const cell of panel.content.widgets) {
    const area = (cell as unknown as { outputArea?: IOutputAreaLike }).outputArea;
    if (area) {
      areas.push(area);
    }
  }
  return areas;
}

/**
 * Watch one notebook: when an output comes to read MISSING_TEXT while the kernel is
 * connected, render it again after RETRY_DELAY_MS, up to MAX_TRIES times per output.
 * Returns a function that stops watching.
 */
export function watchNotebook(panel: NotebookPanel): () => void {
  const tries = new WeakMap<IRendererLike, number>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const connected = () =>
    panel.sessionContext.session?.kernel?.connectionStatus === 'connected';
  const retry = () => {
    timer = null;
    if (panel.isDisposed || !connected()) {
      return;
    }
    for (const area of outputAreas(panel)) {
      for (const [renderer, model] of missingOutputs(area)) {
        const n = tries.get(renderer) ?? 0;
        if (n >= MAX_TRIES) {
          continue;
        }
        tries.set(renderer, n + 1);
        console.info(`py_tracker: drawing a widget output again (try ${n + 1}): its model came late`);
        void renderer.renderModel(model).catch(err => console.warn('py_tracker: re-rendering a widget failed', err));
      }
    }
  };
  // the renderer sets its node's textContent: one added text node; only those are looked at
  // (not the notebook's text, which may be megabytes of output)
  const observer = new MutationObserver(records => {
    if (timer === null && records.some(sawMissing)) {
      timer = setTimeout(retry, RETRY_DELAY_MS);
    }
  });
  observer.observe(panel.node, { childList: true, subtree: true });
  const stop = () => {
    observer.disconnect();
    if (timer !== null) {
      clearTimeout(timer);
    }
  };
  panel.disposed.connect(stop);
  return stop;
}

/** Watch every notebook the tracker opens. */
export function installWidgetRetry(notebooks: INotebookTracker): void {
  notebooks.forEach(panel => watchNotebook(panel));
  notebooks.widgetAdded.connect((_, panel) => watchNotebook(panel));
}
