/**
 * The Media tab of a run view: each logged image key (GET runs/<id>/media) as a step slider
 * whose label is the logged step, the images of that step (blobs fetched through the authed
 * files endpoint, `ImageUrls`) and their captions as text; each histogram key as a heatmap on a
 * canvas (x = step, y = bin, colour = count per step normalized), as the run panel draws them.
 * Every user string (keys, captions, errors) goes in as text through `el`, never as HTML.
 */
import type { IRunMedia } from '../api/client';
import {
  binRange,
  captionText,
  frameAt,
  heatCells,
  heatColour,
  heatColumns,
  indexOfStep,
  mediaNote,
  stepLabel
} from '../model/mediamodel';
import { el, renderKeyed } from '../util/dom';
import type { ImageUrls } from './tables';

/** Images drawn at most per step (as the run panel). */
export const MAX_IMAGES = 16;
export const HEAT_WIDTH = 400;
export const HEAT_HEIGHT = 200;

/** One media key: its DOM node (data-key, data-kind); an image key keeps its step across refreshes. */
export interface IMediaView {
  readonly node: HTMLElement;
  setDoc(doc: IRunMedia): void;
}

/** A logged image key: title, slider + step label, the step's images, its captions, a note. */
export class ImageStrip implements IMediaView {
  constructor(
    doc: IRunMedia,
    private readonly images: ImageUrls
  ) {
    this._doc = doc;
    this.node = el('div', { className: 'jp-PyTracker-mediaView', attrs: { 'data-key': doc.key, 'data-kind': 'images' } });
    this._slider = el('input', {
      className: 'jp-PyTracker-mediaSlider',
      attrs: { type: 'range', min: '0', step: '1', 'aria-label': `Step of ${doc.key}` }
    });
    this._slider.addEventListener('input', () => this._drawStep(Number(this._slider.value)));
    this.node.append(
      el('div', { className: 'jp-PyTracker-tableTitle', text: doc.key }),
      el('label', { className: 'jp-PyTracker-mediaStepLine', text: 'step ' }, [this._slider, this._label]),
      this._box,
      this._caption,
      this._note,
      this._error
    );
    this.setDoc(doc);
  }

  readonly node: HTMLDivElement;

  /** Newer steps logged: the shown step stays, unless it was the newest (then the newest is shown). */
  setDoc(doc: IRunMedia): void {
    const atEnd = this._step === null || this._step === this._doc.steps[this._doc.steps.length - 1];
    this._doc = doc;
    this._slider.max = String(Math.max(0, doc.steps.length - 1));
    this._slider.disabled = doc.steps.length < 2;
    this._note.textContent = mediaNote(doc);
    this._error.textContent = doc.error ?? '';
    this._error.hidden = !doc.error;
    const i = atEnd ? Math.max(0, doc.steps.length - 1) : indexOfStep(doc, this._step);
    this._slider.value = String(i);
    this._drawStep(i);
  }

  private _drawStep(i: number): void {
    const doc = this._doc;
    this._step = doc.steps.length ? doc.steps[Math.min(i, doc.steps.length - 1)] : null;
    this._label.textContent = stepLabel(doc, i);
    const frame = frameAt(doc, i);
    const drawn = ++this._drawn;
    this._box.textContent = '';
    for (const item of frame.slice(0, MAX_IMAGES)) {
      const img = el('img', {
        className: 'jp-PyTracker-mediaImage',
        attrs: { alt: item.caption || doc.key, 'data-path': item.path }
      });
      if (item.width) {
        img.style.width = `${Math.max(48, Math.min(256, item.width))}px`;
      }
      this._box.appendChild(img);
      this.images.url(item.path).then(
        url => {
          if (drawn === this._drawn) {
            img.src = url;
          }
        },
        error => {
          if (drawn === this._drawn) {
            img.replaceWith(el('div', { className: 'jp-PyTracker-error', text: `image not readable: ${String(error)}` }));
          }
        }
      );
    }
    const more = frame.length - MAX_IMAGES;
    if (more > 0) {
      this._box.appendChild(el('div', { className: 'jp-PyTracker-tableNote', text: `… ${more} more images at this step` }));
    }
    this._caption.textContent = captionText(frame);
  }

  private _doc: IRunMedia;
  private _step: number | null = null;
  private _drawn = 0;
  private _slider: HTMLInputElement;
  private _label = el('span', { className: 'jp-PyTracker-mediaStep' });
  private _box = el('div', { className: 'jp-PyTracker-mediaImages' });
  private _caption = el('div', { className: 'jp-PyTracker-caption jp-PyTracker-mediaCaption' });
  private _note = el('div', { className: 'jp-PyTracker-tableNote' });
  private _error = el('div', { className: 'jp-PyTracker-error' });
}

/** A logged histogram key: a heatmap canvas (x = step, y = bin) with its step and bin ranges as text. */
export class HistogramHeatmap implements IMediaView {
  constructor(doc: IRunMedia) {
    this.node = el('div', { className: 'jp-PyTracker-mediaView', attrs: { 'data-key': doc.key, 'data-kind': 'histogram' } });
    this._canvas = el('canvas', { className: 'jp-PyTracker-heatmap', attrs: { 'aria-label': `Histograms of ${doc.key} over steps` } });
    this._canvas.width = HEAT_WIDTH;
    this._canvas.height = HEAT_HEIGHT;
    this.node.append(el('div', { className: 'jp-PyTracker-tableTitle', text: doc.key }), this._canvas, this._axes, this._note, this._error);
    this.setDoc(doc);
  }

  readonly node: HTMLDivElement;

  setDoc(doc: IRunMedia): void {
    this._note.textContent = mediaNote(doc);
    this._error.textContent = doc.error ?? '';
    this._error.hidden = !doc.error;
    const ctx = this._canvas.getContext('2d');
    const range = binRange(doc.histograms);
    if (!ctx) {
      return;
    }
    ctx.clearRect(0, 0, HEAT_WIDTH, HEAT_HEIGHT);
    if (!range) {
      this._axes.textContent = '';
      return;
    }
    const columns = heatColumns(doc.steps, HEAT_WIDTH);
    columns.forEach((c, i) => {
      for (const cell of heatCells(doc.histograms[i], range, HEAT_HEIGHT)) {
        ctx.fillStyle = heatColour(cell.shade);
        ctx.fillRect(c.x0, cell.y0, c.x1 - c.x0, cell.y1 - cell.y0);
      }
    });
    const fmt = (v: number) => String(Number(v.toPrecision(4)));
    this._axes.textContent =
      `step ${doc.steps[0]} … ${doc.steps[doc.steps.length - 1]} (left to right); ` +
      `bins ${fmt(range[0])} … ${fmt(range[1])} (bottom to top)`;
  }

  private _canvas: HTMLCanvasElement;
  private _axes = el('div', { className: 'jp-PyTracker-mediaAxes' });
  private _note = el('div', { className: 'jp-PyTracker-tableNote' });
  private _error = el('div', { className: 'jp-PyTracker-error' });
}

/**
 * Fills `body` with one view per media key, reusing `views` (by key and kind) so a refresh
 * keeps each image key's step; returns the views now shown.
 */
export function renderMedia(
  body: HTMLElement,
  docs: IRunMedia[],
  images: ImageUrls,
  views: Map<string, IMediaView>
): Map<string, IMediaView> {
  return renderKeyed(body, docs, views, {
    listClass: 'jp-PyTracker-media',
    emptyText:
      'No images or histograms: log one with run.log({"name": wandb.Image(...)}) or wandb.Histogram(...).',
    idOf: doc => `${doc.kind}:${doc.key}`,
    make: doc => (doc.kind === 'histogram' ? new HistogramHeatmap(doc) : new ImageStrip(doc, images)),
    update: (view, doc) => view.setDoc(doc)
  });
}
