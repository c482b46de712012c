/**
 * The canvas every graph view draws in (the lineage trail, a pipeline's DAG): React Flow
 * over nodes already placed by ELK (`./layout`), read-only (nothing dragged or connected),
 * fitted to the box with the theme's background and zoom controls, and a click on a node
 * handed to the view. `useElementSize` measures the box so the view can choose the
 * layout that suits it (`chooseLayout`) before drawing.
 */
import {
  Background,
  Controls,
  Edge,
  Handle,
  Node,
  NodeTypes,
  Position,
  ReactFlow
} from '@xyflow/react';
import * as React from 'react';

export interface IGraphCanvasProps<N extends Node> {
  nodes: N[];
  edges: Edge[];
  nodeTypes: NodeTypes;
  /** Changes when the graph is another one (React Flow fits the view again). */
  flowKey: string;
  /** The box's measuring ref (`useElementSize`). */
  measure: (element: HTMLDivElement | null) => void;
  className: string;
  testId: string;
  onNodeClick?: (node: N) => void;
}

export function GraphCanvas<N extends Node>(
  props: IGraphCanvasProps<N>
): JSX.Element {
  const { onNodeClick } = props;
  return (
    <div
      ref={props.measure}
      className={`labstudio-graph-canvas ${props.className}`}
      data-testid={props.testId}
    >
      <ReactFlow
        key={props.flowKey}
        nodes={props.nodes}
        edges={props.edges}
        nodeTypes={props.nodeTypes}
        fitView
        fitViewOptions={{ padding: 0.08, maxZoom: 1 }}
        minZoom={0.2}
        maxZoom={2}
        nodesDraggable={false}
        nodesConnectable={false}
        edgesFocusable={false}
        proOptions={{ hideAttribution: true }}
        onNodeClick={
          onNodeClick ? (_, node) => onNodeClick(node as N) : undefined
        }
      >
        <Background gap={24} size={1} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}

/** A node's two handles: edges enter before it and leave after it (left/right or top/bottom). */
export function NodeHandles(props: {
  vertical: boolean;
  children: React.ReactNode;
}): JSX.Element {
  const { vertical } = props;
  return (
    <>
      <Handle
        type="target"
        position={vertical ? Position.Top : Position.Left}
        isConnectable={false}
      />
      {props.children}
      <Handle
        type="source"
        position={vertical ? Position.Bottom : Position.Right}
        isConnectable={false}
      />
    </>
  );
}

/** The size of an element as it is laid out, kept current as it is resized. */
export function useElementSize(): [
  (element: HTMLDivElement | null) => void,
  { width: number; height: number }
] {
  const [size, setSize] = React.useState({ width: 0, height: 0 });
  const observer = React.useRef<ResizeObserver | null>(null);
  const ref = React.useCallback((element: HTMLDivElement | null) => {
    observer.current?.disconnect();
    observer.current = null;
    if (!element) {
      return;
    }
    const measure = () => {
      const width = element.clientWidth;
      const height = element.clientHeight;
      setSize(s =>
        s.width === width && s.height === height ? s : { width, height }
      );
    };
    measure();
    if (typeof ResizeObserver !== 'undefined') {
      observer.current = new ResizeObserver(measure);
      observer.current.observe(element);
    }
  }, []);
  return [ref, size];
}
