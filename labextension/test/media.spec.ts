/**
 * The Media tab's rules (model/mediamodel.ts): the slider position -> logged step and that
 * step's captions (each once, as text), and the heatmap layout maths (x = step, the first
 * column full width, not a sliver; y = bin, high bins at the top).
 */
import type { IMediaImage, IRunMedia } from '../src/api/client';
import {
  binRange,
  captionText,
  frameAt,
  heatCells,
  heatColour,
  heatColumns,
  indexOfStep,
  mediaNote,
  mediaStamp,
  stepLabel
} from '../src/model/mediamodel';

const EVIL = '<img src=x onerror=alert(1)>';

function image(path: string, caption: string | null): IMediaImage {
  return { path, caption, width: 4, height: 4 };
}

const IMAGES: IRunMedia = {
  key: 'samples',
  kind: 'images',
  steps: [0, 10, 25],
  images: [[image('a.png', 'first')], [image('b.png', EVIL)], [image('c.png', null), image('d.png', 'd'), image('e.png', '')]],
  histograms: [],
  logged: 3,
  error: null
};

describe('image steps', () => {
  it('labels a slider position with the logged step, not the index', () => {
    expect([0, 1, 2].map(i => stepLabel(IMAGES, i))).toEqual(['0', '10', '25']);
    expect(stepLabel(IMAGES, 7)).toBe('25'); // clamped
    expect(stepLabel({ ...IMAGES, steps: [], images: [] }, 0)).toBe('');
  });

  it('shows the images of that step', () => {
    expect(frameAt(IMAGES, 1).map(i => i.path)).toEqual(['b.png']);
    expect(frameAt(IMAGES, -3).map(i => i.path)).toEqual(['a.png']);
    expect(frameAt({ ...IMAGES, images: [] }, 0)).toEqual([]);
  });

  it('joins each caption once, leaving empty ones out, and keeps markup as plain text', () => {
    expect(captionText(frameAt(IMAGES, 0))).toBe('first');
    expect(captionText(frameAt(IMAGES, 1))).toBe(EVIL);
    expect(captionText(frameAt(IMAGES, 2))).toBe('d');
    expect(captionText([image('x', 'a'), image('y', 'b')])).toBe('a, b');
  });

  it('finds a step again after a refresh, the newest when it is gone', () => {
    expect(indexOfStep(IMAGES, 10)).toBe(1);
    expect(indexOfStep(IMAGES, 11)).toBe(2);
    expect(indexOfStep(IMAGES, null)).toBe(2);
  });

  it('says how many steps the server left out', () => {
    expect(mediaNote(IMAGES)).toBe('3 image steps');
    expect(mediaNote({ ...IMAGES, logged: 900 })).toBe('3 image steps (900 logged; 3 evenly spaced ones are shown)');
    expect(mediaNote({ ...IMAGES, kind: 'histogram', steps: [4] })).toBe('1 histogram (3 logged; 1 evenly spaced ones are shown)');
  });

  it('stamps a summary by its step and media keys, ignoring scalars', () => {
    const a = { _step: 3, loss: 1, img: { _type: 'image-file', path: 'p1' } };
    expect(mediaStamp(a)).toBe(mediaStamp({ ...a, loss: 2 }));
    expect(mediaStamp(a)).not.toBe(mediaStamp({ ...a, _step: 4 }));
    expect(mediaStamp(a)).not.toBe(mediaStamp({ ...a, img: { _type: 'image-file', path: 'p2' } }));
    expect(mediaStamp(a)).not.toBe(mediaStamp({ ...a, h: { _type: 'histogram', bins: [0, 1], values: [1] } }));
  });
});

describe('heatmap layout', () => {
  it('gives one step the whole width', () => {
    expect(heatColumns([7], 400)).toEqual([{ step: 7, x0: 0, x1: 400 }]);
  });

  it('makes each column as wide as the gap to the next step, the first one included', () => {
    const cols = heatColumns([0, 1, 2], 300);
    expect(cols).toEqual([
      { step: 0, x0: 0, x1: 100 },
      { step: 1, x0: 100, x1: 200 },
      { step: 2, x0: 200, x1: 300 }
    ]);
    const uneven = heatColumns([0, 10, 40], 400); // gaps 10, 30, and the last as wide as the gap before it
    expect(uneven.map(c => c.x1 - c.x0)).toEqual([57, 172, 171]);
    expect(uneven[uneven.length - 1].x1).toBe(400);
  });

  it('keeps every column at least a pixel wide without overlaps when steps outnumber pixels', () => {
    const steps = Array.from({ length: 50 }, (_, i) => i);
    const cols = heatColumns(steps, 20);
    expect(cols).toHaveLength(50);
    cols.forEach((c, i) => {
      expect(c.x1 - c.x0).toBeGreaterThanOrEqual(1);
      if (i) {
        expect(c.x0).toBeGreaterThanOrEqual(cols[i - 1].x1);
      }
    });
    expect(heatColumns([], 100)).toEqual([]);
  });

  it('spans the bins of every histogram, high bins on top, shaded per step', () => {
    const hs = [
      { bins: [0, 1, 2], values: [2, 4] },
      { bins: [2, 3, 4], values: [0, 1] }
    ];
    const range = binRange(hs)!;
    expect(range).toEqual([0, 4]);
    expect(heatCells(hs[0], range, 100)).toEqual([
      { y0: 75, y1: 100, shade: 0.5 },
      { y0: 50, y1: 75, shade: 1 }
    ]);
    expect(heatCells(hs[1], range, 100)).toEqual([{ y0: 0, y1: 25, shade: 1 }]); // an empty bin is not painted
    expect(heatCells({ bins: [0, 1], values: [0] }, range, 100)).toEqual([]);
    expect(binRange([{ bins: [3, 3], values: [1] }])).toEqual([2.5, 3.5]);
    expect(binRange([])).toBeNull();
  });

  it('colours from dark (low) to yellow (high)', () => {
    expect(heatColour(0)).toBe('rgb(68, 1, 84)');
    expect(heatColour(1)).toBe('rgb(253, 231, 37)');
    expect(heatColour(2)).toBe(heatColour(1));
  });
});
