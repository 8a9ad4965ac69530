/**
 * A run's artifact lineage (dataset → training run → model → evaluation run)
 * drawn as a small SVG in the run view's Lineage tab.
 *
 * `layoutLineage` is pure (nodes/edges → positions) so it can be tested without
 * a DOM; `drawLineage` builds the SVG with `createElementNS` and puts every
 * user string (run and artifact names) in through `textContent`, never markup.
 * Layout matches `py_tracker/artifacts/drawing.py`: a layered DAG where a
 * node's column is the length of the longest path reaching it, so data flows
 * left to right; edges that jump columns curve below the boxes.
 */
import type { ILineage, ILineageEdge, ILineageNode } from '../api/client';

export const NODE_W = 150;
export const NODE_H = 34;
export const GAP_X = 46;
export const GAP_Y = 14;
export const PAD = 8;
/** Extra room under the boxes for edges that jump over a column. */
export const SKIP_ROOM = 30;

const SVG_NS = 'http://www.w3.org/2000/svg';

export interface INodeBox {
  node: ILineageNode;
  col: number;
  row: number;
  x: number;
  y: number;
}

export interface IEdgeLine {
  edge: ILineageEdge;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** true when the edge jumps over a column: drawn as a curve below the boxes. */
  skip: boolean;
  /** y of the curve's control points for a skip edge: under the lowest box, so no box hides it. */
  cy: number;
}

export interface ILineageLayout {
  width: number;
  height: number;
  nodes: INodeBox[];
  edges: IEdgeLine[];
}

/** Column of each node: the longest path from a node without inputs (cycles never loop). */
export function lineageColumns(graph: ILineage): Map<string, number> {
  const preds = new Map<string, string[]>();
  for (const n of graph.nodes) {
    preds.set(n.id, []);
  }
  for (const e of graph.edges) {
    if (preds.has(e.source) && preds.has(e.target)) {
      preds.get(e.target)!.push(e.source);
    }
  }
  const col = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (id: string): number => {
    const known = col.get(id);
    if (known !== undefined) {
      return known;
    }
    if (visiting.has(id)) {
      return 0; // a cycle cannot happen in lineage, but never recurse forever
    }
    visiting.add(id);
    let d = 0;
    for (const p of preds.get(id) ?? []) {
      d = Math.max(d, depth(p) + 1);
    }
    visiting.delete(id);
    col.set(id, d);
    return d;
  };
  graph.nodes.forEach(n => depth(n.id));
  return col;
}

/** Positions of the boxes (columns by depth, rows in node order) and of the edges between them. */
export function layoutLineage(graph: ILineage): ILineageLayout {
  const nodes = graph.nodes ?? [];
  if (nodes.length === 0) {
    return { width: 0, height: 0, nodes: [], edges: [] };
  }
  const col = lineageColumns({ nodes, edges: graph.edges ?? [] });
  const rows = new Map<number, number>();
  const boxes: INodeBox[] = [];
  const byId = new Map<string, INodeBox>();
  for (const node of nodes) {
    if (byId.has(node.id)) {
      continue; // a duplicate id is drawn once
    }
    const c = col.get(node.id) ?? 0;
    const r = rows.get(c) ?? 0;
    rows.set(c, r + 1);
    const box = { node, col: c, row: r, x: PAD + c * (NODE_W + GAP_X), y: PAD + r * (NODE_H + GAP_Y) };
    boxes.push(box);
    byId.set(node.id, box);
  }
  const maxRows = Math.max(...rows.values());
  const below = PAD + maxRows * (NODE_H + GAP_Y) - GAP_Y + SKIP_ROOM - 4;
  const edges: IEdgeLine[] = [];
  for (const edge of graph.edges ?? []) {
    const s = byId.get(edge.source);
    const t = byId.get(edge.target);
    if (!s || !t) {
      continue;
    }
    const skip = t.col - s.col !== 1;
    edges.push(
      skip
        ? { edge, skip, cy: below, x1: s.x + NODE_W / 2, y1: s.y + NODE_H, x2: t.x + NODE_W / 2, y2: t.y + NODE_H }
        : { edge, skip, cy: 0, x1: s.x + NODE_W, y1: s.y + NODE_H / 2, x2: t.x, y2: t.y + NODE_H / 2 }
    );
  }
  const cols = Math.max(...boxes.map(b => b.col)) + 1;
  return {
    width: PAD * 2 + cols * (NODE_W + GAP_X) - GAP_X,
    height: PAD * 2 + maxRows * (NODE_H + GAP_Y) - GAP_Y + (edges.some(e => e.skip) ? SKIP_ROOM : 0),
    nodes: boxes,
    edges
  };
}

/** `text` cut to `n` characters with an ellipsis. */
export function shorten(text: string, n = 22): string {
  return text.length <= n ? text : text.slice(0, n - 1) + '…';
}

/** The second line of a box: a run's job type, an artifact's type and aliases. */
export function subtitle(node: ILineageNode): string {
  if (node.kind === 'run') {
    return String(node.job_type || 'run');
  }
  return [node.type ?? '', ...(node.aliases ?? [])].filter(Boolean).join(' ');
}

let drawings = 0;

/**
 * Node and edge colours from the JupyterLab theme (--jp-* variables), so dark themes work:
 * a box is a tint of the kind's colour over the page background (the theme's `*-color3`
 * levels are light in the dark theme too, under light text), the text the theme's own.
 */
export function tint(colour: string): string {
  return `color-mix(in srgb, var(${colour}) 22%, var(--jp-layout-color0, #fff))`;
}

function boxStyle(node: ILineageNode, highlight: boolean): string {
  const fill =
    node.kind === 'run'
      ? tint('--jp-brand-color1, #1976d2')
      : node.type === 'model'
        ? tint('--jp-warn-color1, #f57c00')
        : node.type === 'dataset'
          ? tint('--jp-success-color1, #388e3c')
          : 'var(--jp-layout-color2, #f1f1f4)';
  return `fill: ${fill}; stroke: var(--jp-border-color0, #555); stroke-width: ${highlight ? 3 : 1}`;
}

/**
 * The lineage as an <svg> element; `highlight` is a node id (the run shown) drawn
 * with a thick border. `doc` is the document to build in (the page's by default).
 */
export function drawLineage(graph: ILineage, highlight?: string, doc: Document = document): SVGSVGElement {
  const layout = layoutLineage(graph);
  const make = <K extends keyof SVGElementTagNameMap>(
    tag: K,
    attrs: Record<string, string | number>,
    parent?: Element
  ): SVGElementTagNameMap[K] => {
    const node = doc.createElementNS(SVG_NS, tag) as SVGElementTagNameMap[K];
    for (const [k, v] of Object.entries(attrs)) {
      node.setAttribute(k, String(v));
    }
    parent?.appendChild(node);
    return node;
  };
  const svg = make('svg', {
    class: 'jp-PyTracker-lineage',
    width: layout.width,
    height: layout.height,
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    style: 'font-family: var(--jp-ui-font-family); font-size: 11px'
  });
  const markerId = `jp-PyTracker-arrow-${++drawings}`;
  const defs = make('defs', {}, svg);
  const marker = make(
    'marker',
    { id: markerId, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' },
    defs
  );
  make('path', { d: 'M 0 0 L 10 5 L 0 10 z', style: 'fill: var(--jp-ui-font-color2, #888)' }, marker);
  const edgeStyle = 'fill: none; stroke: var(--jp-ui-font-color2, #888); stroke-width: 1.2';
  for (const e of layout.edges) {
    const attrs: Record<string, string | number> = {
      'marker-end': `url(#${markerId})`,
      'data-source': e.edge.source,
      'data-target': e.edge.target
    };
    if (e.skip) {
      make('path', {
        ...attrs,
        class: 'jp-PyTracker-lineageEdge',
        d: `M ${e.x1} ${e.y1} C ${e.x1} ${e.cy} ${e.x2} ${e.cy} ${e.x2} ${e.y2}`,
        style: `${edgeStyle}; stroke-dasharray: 4 3`
      }, svg);
    } else {
      make('line', { ...attrs, class: 'jp-PyTracker-lineageEdge', x1: e.x1, y1: e.y1, x2: e.x2, y2: e.y2, style: edgeStyle }, svg);
    }
  }
  for (const b of layout.nodes) {
    const g = make('g', { class: 'jp-PyTracker-lineageNode', 'data-id': b.node.id }, svg);
    make('title', {}, g).textContent = `${b.node.label ?? b.node.id}\n${b.node.id}`;
    make('rect', {
      x: b.x,
      y: b.y,
      width: NODE_W,
      height: NODE_H,
      rx: b.node.kind === 'run' ? 4 : 16,
      style: boxStyle(b.node, b.node.id === highlight)
    }, g);
    make('text', {
      x: b.x + 8,
      y: b.y + 14,
      style: 'font-weight: 600; fill: var(--jp-ui-font-color1, #000)'
    }, g).textContent = shorten(String(b.node.label ?? b.node.id));
    make('text', { x: b.x + 8, y: b.y + 27, style: 'fill: var(--jp-ui-font-color1, #000)' }, g).textContent =
      shorten(subtitle(b.node), 26);
  }
  return svg;
}
