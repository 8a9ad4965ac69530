import { MISSING_TEXT, WIDGET_MIME, missingOutputs, sawMissing } from '../src/widgets/widgetretry';
import type { IOutputModelLike, IRendererLike } from '../src/widgets/widgetretry';

function renderer(text: string): IRendererLike & { rendered: IOutputModelLike[] } {
  const r = {
    node: { textContent: text } as unknown as HTMLElement,
    rendered: [] as IOutputModelLike[],
    renderModel: async (m: IOutputModelLike) => { r.rendered.push(m); }
  };
  return r;
}

const prompt = { node: {} };  // the output prompt: no renderModel

describe('missingOutputs', () => {
  it('finds the widget outputs that show "model not found", with their own output models', () => {
    const lost = renderer(MISSING_TEXT);
    const drawn = renderer('');
    const html = renderer(MISSING_TEXT);  // same text, but not a widget output: left alone
    const models: IOutputModelLike[] = [
      { data: { [WIDGET_MIME]: { model_id: 'a' } } },
      { data: { [WIDGET_MIME]: { model_id: 'b' } } },
      { data: { 'text/html': MISSING_TEXT } }
    ];
    const area = {
      widgets: [{ widgets: [prompt, lost] }, { widgets: [prompt, drawn] }, { widgets: [prompt, html] }],
      model: { length: models.length, get: (i: number) => models[i] }
    };
    expect(missingOutputs(area)).toEqual([[lost, models[0]]]);
  });

  it('reads only as far as both the children and the outputs go', () => {
    const area = {
      widgets: [{ widgets: [renderer(MISSING_TEXT)] }, { widgets: [renderer(MISSING_TEXT)] }],
      model: { length: 1, get: () => ({ data: { [WIDGET_MIME]: {} } }) }
    };
    expect(missingOutputs(area)).toHaveLength(1);
    expect(missingOutputs({ widgets: [], model: { length: 3, get: () => undefined } })).toEqual([]);
  });
});

describe('sawMissing', () => {
  const text = (value: string) => ({ nodeType: 3, nodeValue: value }) as unknown as Node;
  const element = { nodeType: 1, nodeValue: null } as unknown as Node;
  it('is true only for a mutation that added the text node', () => {
    expect(sawMissing({ addedNodes: [text(MISSING_TEXT)] })).toBe(true);
    expect(sawMissing({ addedNodes: [element, text('Loading widget...')] })).toBe(false);
    expect(sawMissing({ addedNodes: [] })).toBe(false);
  });
});
