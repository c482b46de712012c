/**
 * Where each node of a directed graph goes (a lineage trail, a pipeline's DAG), computed by
 * ELK's layered algorithm: edges run from upstream to downstream, so the layers read left
 * to right (or top to bottom) in the order work flows, and ELK orders each layer to keep
 * edges from crossing. A long chain reads better top to bottom in a narrow view:
 * `fitScale` and `chooseLayout` pick the way that draws the nodes largest.
 *
 * elkjs's bundled build runs in the page (no worker file to serve) and is only loaded
 * when a graph view first lays out a graph.
 */
import type { ELK, ElkNode } from 'elkjs/lib/elk-api';

/** The size every node is drawn at (px); the views' CSS uses the same. */
export const NODE_WIDTH = 184;
export const NODE_HEIGHT = 58;

export interface IPosition {
  x: number;
  y: number;
}

/** Which way the layers go: left to right, or top to bottom. */
export type LayoutDirection = 'RIGHT' | 'DOWN';

/** Positions by node id, and the whole drawing's size. */
export interface ILayout {
  direction: LayoutDirection;
  positions: Map<string, IPosition>;
  width: number;
  height: number;
}

/** What a layout needs of a graph: node ids and the edges between them. */
export interface IGraphShape {
  nodes: readonly string[];
  edges: readonly { source: string; target: string }[];
}

/** Both directions: a view draws the one that suits its size (`chooseLayout`). */
export const DIRECTIONS: readonly LayoutDirection[] = ['RIGHT', 'DOWN'];

let elk: Promise<ELK> | null = null;

function engine(): Promise<ELK> {
  elk =
    elk ??
    import('elkjs/lib/elk.bundled.js').then(module => {
      const Elk = (module as { default: new () => ELK }).default;
      return new Elk();
    });
  return elk;
}

/**
 * Lay out `graph` (left to right by default); a node without edges still gets a place,
 * an edge naming a node the graph does not have is left out.
 */
export async function layoutDag(
  graph: IGraphShape,
  direction: LayoutDirection = 'RIGHT'
): Promise<ILayout> {
  const known = new Set(graph.nodes);
  const root: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': direction,
      'elk.edgeRouting': 'SPLINES',
      'elk.layered.spacing.nodeNodeBetweenLayers': '48',
      'elk.spacing.nodeNode': '16',
      'elk.spacing.componentComponent': '40',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES'
    },
    children: graph.nodes.map(id => ({
      id,
      width: NODE_WIDTH,
      height: NODE_HEIGHT
    })),
    edges: graph.edges
      .filter(e => known.has(e.source) && known.has(e.target))
      .map((e, i) => ({
        id: `e${i}`,
        sources: [e.source],
        targets: [e.target]
      }))
  };
  const laid = await (await engine()).layout(root);
  const positions = new Map<string, IPosition>();
  for (const child of laid.children ?? []) {
    positions.set(child.id, { x: child.x ?? 0, y: child.y ?? 0 });
  }
  return {
    direction,
    positions,
    width: laid.width ?? 0,
    height: laid.height ?? 0
  };
}

/** The zoom at which `layout` fits a `width` × `height` box (never above 1). */
export function fitScale(
  layout: ILayout,
  width: number,
  height: number
): number {
  if (layout.width <= 0 || layout.height <= 0) {
    return 1;
  }
  return Math.min(1, width / layout.width, height / layout.height);
}

/** Left to right reads best; below this zoom, the other way is tried. */
export const READABLE_SCALE = 0.8;

/**
 * The layout to draw in a `width` × `height` box: left to right when it fits at a
 * readable zoom, else whichever of the two draws the nodes largest.
 */
export function chooseLayout(
  layouts: readonly ILayout[],
  width: number,
  height: number
): ILayout | null {
  if (layouts.length === 0) {
    return null;
  }
  const right = layouts.find(l => l.direction === 'RIGHT') ?? layouts[0];
  if (width <= 0 || height <= 0) {
    return right;
  }
  if (fitScale(right, width, height) >= READABLE_SCALE) {
    return right;
  }
  return layouts.reduce((best, l) =>
    fitScale(l, width, height) > fitScale(best, width, height) ? l : best
  );
}
