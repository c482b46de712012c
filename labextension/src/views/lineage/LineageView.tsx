/**
 * A lineage graph (main area): the trail from data sets through processing and training
 * to the model, its package and the endpoint serving it, drawn with React Flow where ELK
 * laid it out (left to right, upstream to downstream). Each node opens its own view: a
 * job's detail, a group at its version, an endpoint, an experiment in the sidebar, a
 * data set in the file browser. Pure view: the graph and its layout are `LineageModel`'s.
 * Its colours are the JupyterLab theme's (labextension/style/lineage.css), light or dark.
 */
import { Edge, MarkerType, Node, NodeProps } from '@xyflow/react';
import * as React from 'react';

import { LineageDirection } from '../../api';
import { ILineageEdge, ILineageNode } from '../../types';
import { ErrorBox } from '../common/common';
import { useModel } from '../common/useModel';
import { GraphCanvas, NodeHandles, useElementSize } from '../graph/GraphCanvas';
import { chooseLayout, NODE_HEIGHT, NODE_WIDTH } from './layout';
import {
  LineageTarget,
  nodeSubtitle,
  nodeTitle,
  nodeTooltip,
  stageOf,
  targetOf,
  typeLabel
} from './lineageData';
import { LineageModel } from './lineageModel';

export interface ILineageViewProps {
  model: LineageModel;
  /** Open what a node stands for. */
  onOpen: (target: LineageTarget) => void;
  /** Whether a target can be opened here (default: all; a path outside the root cannot). */
  canOpen?: (target: LineageTarget) => boolean;
}

interface ILineageNodeData extends Record<string, unknown> {
  node: ILineageNode;
  target: LineageTarget | null;
  isStart: boolean;
  /** Layers top to bottom: edges enter at the top, leave at the bottom. */
  vertical: boolean;
  onOpen: (target: LineageTarget) => void;
}

type LineageFlowNode = Node<ILineageNodeData, 'lineage'>;

const DIRECTIONS: { value: LineageDirection; label: string }[] = [
  { value: 'up', label: 'Where it came from' },
  { value: 'down', label: 'What came from it' },
  { value: 'both', label: 'Both ways' }
];

const NODE_TYPES = { lineage: LineageNodeView };

export function LineageView(props: ILineageViewProps): JSX.Element {
  const model = useModel(props.model);
  const { graph, error } = model;
  const { onOpen, canOpen } = props;
  const [canvas, size] = useElementSize();
  const layout = chooseLayout(model.layouts, size.width, size.height);

  const nodes = React.useMemo<LineageFlowNode[]>(() => {
    if (!graph || !layout) {
      return [];
    }
    const opens = (node: ILineageNode) => {
      const target = targetOf(node.resource);
      return target && (!canOpen || canOpen(target)) ? target : null;
    };
    return graph.nodes.map(node => ({
      id: node.arn,
      type: 'lineage',
      position: layout.positions.get(node.arn) ?? { x: 0, y: 0 },
      width: NODE_WIDTH,
      height: NODE_HEIGHT,
      draggable: false,
      connectable: false,
      data: {
        node,
        target: opens(node),
        isStart: node.arn === graph.start,
        vertical: layout.direction === 'DOWN',
        onOpen
      }
    }));
  }, [graph, layout, onOpen, canOpen]);

  const edges = React.useMemo<Edge[]>(
    () => (graph && layout ? graph.edges.map(flowEdge) : []),
    [graph, layout]
  );

  return (
    <div
      className="labstudio-main labstudio-lineage-view"
      data-testid="labstudio-lineage-view"
      data-start={model.origin}
      data-direction={model.direction}
      data-nodes={graph && layout ? graph.nodes.length : ''}
      data-edges={graph && layout ? graph.edges.length : ''}
      data-orientation={layout?.direction === 'DOWN' ? 'down' : 'right'}
    >
      <div className="labstudio-detail-header">
        <h2 className="labstudio-detail-title">Lineage of {model.origin}</h2>
        <span className="labstudio-spacer" />
        <label
          className="labstudio-inline-label"
          title="Also draw code snapshots, model archives and deployment actions"
        >
          <input
            type="checkbox"
            data-testid="labstudio-lineage-all"
            checked={model.showAll}
            onChange={e => void model.setShowAll(e.target.checked)}
          />
          Every entity
        </label>
        <label className="labstudio-inline-label">
          Show
          <select
            className="jp-mod-styled"
            data-testid="labstudio-lineage-direction"
            value={model.direction}
            onChange={e =>
              model.setDirection(e.target.value as LineageDirection)
            }
          >
            {DIRECTIONS.map(d => (
              <option key={d.value} value={d.value}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        <button
          className="labstudio-button"
          data-testid="labstudio-lineage-refresh"
          disabled={model.loading}
          onClick={() => void model.reload()}
        >
          Refresh
        </button>
      </div>
      {error && <ErrorBox error={error} onRetry={() => void model.reload()} />}
      {graph?.truncated && (
        <div
          className="labstudio-hint"
          data-testid="labstudio-lineage-truncated"
        >
          The trail reaches more entities than the graph shows: the nearest are
          drawn. Start from a node further along to see beyond them.
        </div>
      )}
      <Legend />
      {!graph || !layout ? (
        !error && <div className="labstudio-empty">Reading the lineage…</div>
      ) : graph.nodes.length <= 1 ? (
        <div className="labstudio-empty" data-testid="labstudio-lineage-empty">
          Nothing is linked to {model.origin} yet: the trail is written as jobs
          run, versions are registered and endpoints are created.
        </div>
      ) : (
        <GraphCanvas
          measure={canvas}
          className="labstudio-lineage-canvas"
          testId="labstudio-lineage-canvas"
          flowKey={`${graph.start}:${graph.direction}:${model.showAll}:${layout.direction}`}
          nodes={nodes}
          edges={edges}
          nodeTypes={NODE_TYPES}
          onNodeClick={node => {
            if (node.data.target) {
              onOpen(node.data.target);
            }
          }}
        />
      )}
    </div>
  );
}

/** One node: its type, its name, one line of detail; Enter opens it as a click does. */
function LineageNodeView(props: NodeProps<LineageFlowNode>): JSX.Element {
  const { node, target, isStart, vertical } = props.data;
  const stage = stageOf(node);
  return (
    <div
      className={`labstudio-graph-node labstudio-lineage-node labstudio-lineage-${stage} ${isStart ? 'labstudio-graph-node-marked labstudio-lineage-start' : ''} ${target ? 'labstudio-graph-node-opens labstudio-lineage-opens' : ''}`}
      data-testid="labstudio-lineage-node"
      data-type={node.type}
      data-resource-kind={target?.kind ?? ''}
      data-name={nodeTitle(node)}
      title={nodeTooltip(node)}
      style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}
      role={target ? 'button' : undefined}
      tabIndex={target ? 0 : undefined}
      onKeyDown={e => {
        if (target && (e.key === 'Enter' || e.key === ' ')) {
          e.preventDefault();
          props.data.onOpen(target);
        }
      }}
    >
      <NodeHandles vertical={vertical}>
        <div className="labstudio-graph-node-type">{typeLabel(node)}</div>
        <div className="labstudio-graph-node-title">{nodeTitle(node)}</div>
        <div className="labstudio-graph-node-subtitle">
          {nodeSubtitle(node)}
        </div>
      </NodeHandles>
    </div>
  );
}

/** An association as React Flow draws it: upstream to downstream, dashed when it only groups. */
function flowEdge(edge: ILineageEdge, index: number): Edge {
  return {
    id: `${index}:${edge.source}>${edge.destination}`,
    source: edge.source,
    target: edge.destination,
    className: `labstudio-lineage-edge labstudio-lineage-edge-${edge.type}`,
    markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
    data: { type: edge.type },
    ariaLabel: edge.type
  };
}

function Legend(): JSX.Element {
  const stages: [string, string][] = [
    ['data', 'Data'],
    ['processing', 'Processing'],
    ['training', 'Training'],
    ['model', 'Model'],
    ['package', 'Package'],
    ['endpoint', 'Endpoint']
  ];
  return (
    <div className="labstudio-lineage-legend" aria-hidden="true">
      {stages.map(([stage, label]) => (
        <span key={stage} className="labstudio-lineage-legend-item">
          <span
            className={`labstudio-lineage-swatch labstudio-lineage-${stage}`}
          />
          {label}
        </span>
      ))}
      <span className="labstudio-lineage-legend-item">
        <span className="labstudio-lineage-dash" /> associated with
      </span>
    </div>
  );
}
