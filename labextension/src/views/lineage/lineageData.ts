/**
 * What a lineage graph shows of each node, computed from the API's answer (pure): the
 * stage a node belongs to (data, code, processing, training, model, package, deployment,
 * endpoint...), a short title (a job's or endpoint's name, a version's `GROUP/VERSION`, a
 * data set's last path segment), the facts under it, and what clicking it opens.
 */
import {
  ILineageEdge,
  ILineageGraph,
  ILineageNode,
  ILineageResource
} from '../../types';
import { localPath } from '../kinds/paths';

/** The families of nodes the graph colours alike (a CSS class each). */
export type LineageStage =
  | 'data'
  | 'code'
  | 'processing'
  | 'training'
  | 'transform'
  | 'model'
  | 'package'
  | 'approval'
  | 'deployment'
  | 'endpoint'
  | 'context';

const STAGES: Record<string, LineageStage> = {
  DataSet: 'data',
  Code: 'code',
  ProcessingJob: 'processing',
  TrainingJob: 'training',
  TransformJob: 'transform',
  Model: 'model',
  ModelPackage: 'package',
  Approval: 'approval',
  ModelDeployment: 'deployment',
  Endpoint: 'endpoint'
};

/** Words for the types, as the node's caption shows them. */
const TYPE_LABELS: Record<string, string> = {
  DataSet: 'Data set',
  Code: 'Code',
  ProcessingJob: 'Processing job',
  TrainingJob: 'Training job',
  TransformJob: 'Transform job',
  Model: 'Model archive',
  ModelPackage: 'Model package',
  Approval: 'Approval',
  ModelDeployment: 'Deployment',
  Endpoint: 'Endpoint',
  ModelGroup: 'Model group',
  TuningJob: 'Tuning job',
  Experiment: 'Experiment'
};

export function stageOf(node: ILineageNode): LineageStage {
  return STAGES[node.type] ?? 'context';
}

export function typeLabel(node: ILineageNode): string {
  return TYPE_LABELS[node.type] ?? node.type;
}

/** The node's title: the name a user knows it by. */
export function nodeTitle(node: ILineageNode): string {
  const props = node.properties;
  switch (node.type) {
    case 'ModelDeployment':
      return props.variant && props.endpoint
        ? `${props.endpoint} / ${props.variant}`
        : node.name;
    case 'Approval':
      return props.to ?? node.name;
    case 'ModelGroup':
      return props.group ?? node.name;
    default:
      break;
  }
  const resource = node.resource;
  if (resource && resource.kind !== 'file') {
    return resource.name;
  }
  if (node.source_uri && node.entity === 'Artifact') {
    return lastSegment(localPath(node.source_uri)) || node.name;
  }
  return node.name;
}

/** One line under the title: where an artifact is, who decided an approval... */
export function nodeSubtitle(node: ILineageNode): string {
  const props = node.properties;
  if (node.type === 'Approval') {
    return [
      props.by ? `by ${props.by}` : '',
      props.comment ? `“${props.comment}”` : ''
    ]
      .filter(Boolean)
      .join(' ');
  }
  if (node.entity === 'TrialComponent') {
    return props.status ?? '';
  }
  if (node.entity === 'Artifact' && node.source_uri) {
    return node.type === 'ModelPackage'
      ? node.source_uri
      : localPath(node.source_uri);
  }
  return '';
}

/** The facts a node's tooltip lists: its type, where it is and its properties. */
export function nodeTooltip(node: ILineageNode): string {
  const lines = [`${typeLabel(node)}: ${node.name}`];
  if (node.source_uri) {
    lines.push(node.source_uri);
  }
  for (const [key, value] of Object.entries(node.properties)) {
    lines.push(`${key}: ${value}`);
  }
  return lines.join('\n');
}

/** What a node opens, in the panel's words; null when it opens nothing. */
export type LineageTarget =
  | { kind: 'training-job' | 'processing-job' | 'transform-job'; name: string }
  | { kind: 'tuning-job' | 'endpoint' | 'experiment'; name: string }
  | { kind: 'model-package'; group: string; version: number }
  | { kind: 'model-package-group'; group: string }
  | { kind: 'file'; path: string };

/** The view a node opens (its `resource`), parsed: a version is `GROUP/VERSION`. */
export function targetOf(
  resource: ILineageResource | null | undefined
): LineageTarget | null {
  if (!resource) {
    return null;
  }
  switch (resource.kind) {
    case 'model-package': {
      const at = resource.name.lastIndexOf('/');
      const version = Number(resource.name.slice(at + 1));
      return at > 0 && Number.isInteger(version) && version >= 1
        ? { kind: 'model-package', group: resource.name.slice(0, at), version }
        : null;
    }
    case 'model-package-group':
      return { kind: 'model-package-group', group: resource.name };
    case 'file':
      return { kind: 'file', path: localPath(resource.name) };
    default:
      return { kind: resource.kind, name: resource.name };
  }
}

function lastSegment(path: string): string {
  const parts = path.replace(/\/+$/, '').split('/');
  return parts[parts.length - 1] ?? '';
}

/**
 * The types the compact graph leaves out: a job's code snapshot, the model archive between
 * a training job and its package, the deployment action between a package and its
 * endpoint. Their neighbours are joined directly, so the chain reads data sets →
 * processing → training → model package → endpoint.
 */
export const DETAIL_TYPES: ReadonlySet<string> = new Set([
  'Code',
  'Model',
  'ModelDeployment'
]);

/**
 * `graph` without the nodes `hidden` takes (never the start), each path through hidden
 * nodes replaced by one edge from the visible node before them to each visible node after
 * them, with the type of the path's first edge.
 */
export function compactGraph(
  graph: ILineageGraph,
  hidden: (node: ILineageNode) => boolean = n => DETAIL_TYPES.has(n.type)
): ILineageGraph {
  const shown = new Set(
    graph.nodes.filter(n => n.arn === graph.start || !hidden(n)).map(n => n.arn)
  );
  if (shown.size === graph.nodes.length) {
    return graph;
  }
  const out = new Map<string, ILineageEdge[]>();
  for (const edge of graph.edges) {
    const list = out.get(edge.source) ?? [];
    list.push(edge);
    out.set(edge.source, list);
  }
  const edges: ILineageEdge[] = [];
  const seen = new Set<string>();
  for (const source of shown) {
    for (const first of out.get(source) ?? []) {
      const stack = [first.destination];
      const visited = new Set<string>();
      while (stack.length) {
        const at = stack.pop()!;
        if (visited.has(at)) {
          continue;
        }
        visited.add(at);
        if (shown.has(at)) {
          const key = `${source}>${at}`;
          if (!seen.has(key) && at !== source) {
            seen.add(key);
            edges.push({ source, destination: at, type: first.type });
          }
          continue;
        }
        (out.get(at) ?? []).forEach(e => stack.push(e.destination));
      }
    }
  }
  return {
    ...graph,
    nodes: graph.nodes.filter(n => shown.has(n.arn)),
    edges
  };
}
