/**
 * Where each node of a lineage graph goes, computed by ELK's layered algorithm: edges
 * run from upstream to downstream, so the layers read left to right as the trail does
 * (data sets, processing, training, the model, its package, the endpoint), and ELK
 * orders each layer to keep edges from crossing.
 *
 * elkjs's bundled build runs in the page (no worker file to serve) and is only loaded
 * when a lineage view first lays out a graph.
 */
import type { ELK, ElkNode } from 'elkjs/lib/elk-api';

import { ILineageGraph } from '../../types';

/** The size every node is drawn at (px); the view's CSS uses the same. */
export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 64;

export interface IPosition {
  x: number;
  y: number;
}

/** Positions by node ARN, and the whole drawing's size. */
export interface ILayout {
  positions: Map<string, IPosition>;
  width: number;
  height: number;
}

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

/** Lay out `graph` left to right; nodes absent from the answer's edges still get a place. */
export async function layoutGraph(graph: ILineageGraph): Promise<ILayout> {
  const known = new Set(graph.nodes.map(n => n.arn));
  const root: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': 'SPLINES',
      'elk.layered.spacing.nodeNodeBetweenLayers': '64',
      'elk.spacing.nodeNode': '20',
      'elk.spacing.componentComponent': '40',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES'
    },
    children: graph.nodes.map(n => ({
      id: n.arn,
      width: NODE_WIDTH,
      height: NODE_HEIGHT
    })),
    edges: graph.edges
      .filter(e => known.has(e.source) && known.has(e.destination))
      .map((e, i) => ({
        id: `e${i}`,
        sources: [e.source],
        targets: [e.destination]
      }))
  };
  const laid = await (await engine()).layout(root);
  const positions = new Map<string, IPosition>();
  for (const child of laid.children ?? []) {
    positions.set(child.id, { x: child.x ?? 0, y: child.y ?? 0 });
  }
  return { positions, width: laid.width ?? 0, height: laid.height ?? 0 };
}
