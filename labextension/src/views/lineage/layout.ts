/**
 * A lineage graph laid out by the shared graph layout (`../graph/layout`): its nodes are
 * keyed by ARN and its edges run from `source` to `destination`.
 */
import { ILineageGraph } from '../../types';
import { ILayout, LayoutDirection, layoutDag } from '../graph/layout';

export {
  chooseLayout,
  fitScale,
  NODE_HEIGHT,
  NODE_WIDTH,
  READABLE_SCALE
} from '../graph/layout';
export type { ILayout, IPosition, LayoutDirection } from '../graph/layout';

/** Lay out `graph` (left to right by default); a node without edges still gets a place. */
export function layoutGraph(
  graph: ILineageGraph,
  direction: LayoutDirection = 'RIGHT'
): Promise<ILayout> {
  return layoutDag(
    {
      nodes: graph.nodes.map(n => n.arn),
      edges: graph.edges.map(e => ({ source: e.source, target: e.destination }))
    },
    direction
  );
}
