/**
 * The lineage graph in the panel: what each node shows and opens, the compact graph
 * (code, archives and deployment actions joined through), ELK's layout of a real trail
 * (upstream before downstream, left to right or top to bottom, the way that fits), the
 * model against the real HTTP + WebSocket test server (what it asks, how a direction or
 * an event re-reads it), and the React Flow view (each node rendered, a click or Enter
 * opening what it stands for).
 */
import { fireEvent, render, waitFor, within } from '@testing-library/react';
import * as React from 'react';

import { LabstudioClient } from '../api';
import { ILineageGraph, ILineageNode } from '../types';
import {
  chooseLayout,
  fitScale,
  ILayout,
  layoutGraph,
  NODE_HEIGHT,
  NODE_WIDTH
} from '../views/lineage/layout';
import {
  compactGraph,
  LineageTarget,
  nodeSubtitle,
  nodeTitle,
  stageOf,
  targetOf
} from '../views/lineage/lineageData';
import { LineageModel } from '../views/lineage/lineageModel';
import { LineageView } from '../views/lineage/LineageView';
import { ENDPOINT_LINEAGE } from './registryFixtures';
import { requestsTo, serveApi, TestServer, until } from './server';
import { ServerHarness } from './harness';

/** A node of the fixture by its type (and name when several share it). */
function node(type: string, name?: string): ILineageNode {
  const found = ENDPOINT_LINEAGE.nodes.find(
    n => n.type === type && (name === undefined || nodeTitle(n) === name)
  );
  if (!found) {
    throw new Error(`no ${type} ${name ?? ''} in the fixture`);
  }
  return found;
}

/** Edges as `type:title -TYPE-> type:title`, sorted, for readable comparisons. */
function edgesOf(graph: ILineageGraph): string[] {
  const label = (arn: string) => {
    const n = graph.nodes.find(x => x.arn === arn)!;
    return `${n.type}:${nodeTitle(n)}`;
  };
  return graph.edges
    .map(e => `${label(e.source)} -${e.type}-> ${label(e.destination)}`)
    .sort();
}

describe('lineage helpers', () => {
  it('title, describe and open each kind of node', () => {
    expect(nodeTitle(node('Endpoint'))).toBe('churn-live');
    expect(nodeTitle(node('ModelDeployment'))).toBe('churn-live / AllTraffic');
    expect(nodeTitle(node('ModelPackage'))).toBe('churn/2');
    expect(nodeTitle(node('TrainingJob'))).toBe('demo-fit-2');
    expect(nodeTitle(node('ProcessingJob'))).toBe('demo-prep');
    expect(nodeTitle(node('Model'))).toBe('model.tar.gz');
    expect(
      ENDPOINT_LINEAGE.nodes
        .filter(n => n.type === 'DataSet')
        .map(nodeTitle)
        .sort()
    ).toEqual(['prepared', 'raw']);
    expect(nodeSubtitle(node('TrainingJob'))).toBe('Completed');
    expect(nodeSubtitle(node('DataSet', 'raw'))).toBe('/home/me/project/raw');
    expect(stageOf(node('DataSet', 'raw'))).toBe('data');
    expect(stageOf(node('ModelDeployment'))).toBe('deployment');

    expect(targetOf(node('TrainingJob').resource)).toEqual({
      kind: 'training-job',
      name: 'demo-fit-2'
    });
    expect(targetOf(node('ModelPackage').resource)).toEqual({
      kind: 'model-package',
      group: 'churn',
      version: 2
    });
    expect(targetOf(node('DataSet', 'raw').resource)).toEqual({
      kind: 'file',
      path: '/home/me/project/raw'
    });
    expect(targetOf({ kind: 'model-package', name: 'churn/x' })).toBeNull();
    expect(targetOf({ kind: 'model-package-group', name: 'churn' })).toEqual({
      kind: 'model-package-group',
      group: 'churn'
    });
    expect(targetOf(null)).toBeNull();

    const approval: ILineageNode = {
      ...node('ModelPackage'),
      entity: 'Action',
      type: 'Approval',
      properties: { by: 'me@laptop', comment: 'ok', to: 'Approved' }
    };
    expect(nodeTitle(approval)).toBe('Approved');
    expect(nodeSubtitle(approval)).toBe('by me@laptop “ok”');
  });

  it('compact the trail: code, archives and deployments joined through, the start kept', () => {
    expect(edgesOf(compactGraph(ENDPOINT_LINEAGE))).toEqual([
      'DataSet:prepared -ContributedTo-> TrainingJob:demo-fit-2',
      'DataSet:raw -ContributedTo-> ProcessingJob:demo-prep',
      'ModelPackage:churn/2 -ContributedTo-> Endpoint:churn-live',
      'ProcessingJob:demo-prep -Produced-> DataSet:prepared',
      'TrainingJob:demo-fit-2 -Produced-> ModelPackage:churn/2'
    ]);
    expect(
      compactGraph(ENDPOINT_LINEAGE)
        .nodes.map(n => n.type)
        .sort()
    ).toEqual([
      'DataSet',
      'DataSet',
      'Endpoint',
      'ModelPackage',
      'ProcessingJob',
      'TrainingJob'
    ]);
    // Started from the model archive: it stays.
    const fromModel = { ...ENDPOINT_LINEAGE, start: node('Model').arn };
    expect(compactGraph(fromModel).nodes.some(n => n.type === 'Model')).toBe(
      true
    );
    // Nothing to hide: the same graph.
    const compact = compactGraph(ENDPOINT_LINEAGE);
    expect(compactGraph(compact)).toBe(compact);
  });
});

describe('lineage layout (ELK)', () => {
  /** The trail's chain, upstream to downstream. */
  const CHAIN = [
    ['DataSet', 'raw'],
    ['ProcessingJob', 'demo-prep'],
    ['DataSet', 'prepared'],
    ['TrainingJob', 'demo-fit-2'],
    ['ModelPackage', 'churn/2'],
    ['Endpoint', 'churn-live']
  ] as const;

  it('puts every node upstream of what it feeds, left to right or top to bottom', async () => {
    const graph = compactGraph(ENDPOINT_LINEAGE);
    const right = await layoutGraph(graph);
    const down = await layoutGraph(graph, 'DOWN');
    expect(right.positions.size).toBe(graph.nodes.length);
    const at = (layout: ILayout, [type, name]: readonly [string, string]) =>
      layout.positions.get(node(type, name).arn)!;
    for (let i = 1; i < CHAIN.length; i++) {
      expect(at(right, CHAIN[i]).x).toBeGreaterThan(
        at(right, CHAIN[i - 1]).x + NODE_WIDTH - 1
      );
      expect(at(down, CHAIN[i]).y).toBeGreaterThan(
        at(down, CHAIN[i - 1]).y + NODE_HEIGHT - 1
      );
    }
    expect(right.width).toBeGreaterThan(right.height);
    expect(down.height).toBeGreaterThan(down.width);

    // Every entity: more layers, still in order (the archive between job and package).
    const all = await layoutGraph(ENDPOINT_LINEAGE);
    expect(all.positions.get(node('Model').arn)!.x).toBeGreaterThan(
      all.positions.get(node('TrainingJob').arn)!.x
    );
    expect(all.positions.get(node('ModelPackage').arn)!.x).toBeGreaterThan(
      all.positions.get(node('Model').arn)!.x
    );
  });

  it('draws left to right when that is readable, else the way that draws nodes largest', () => {
    const right: ILayout = {
      direction: 'RIGHT',
      positions: new Map(),
      width: 1200,
      height: 60
    };
    const down: ILayout = {
      ...right,
      direction: 'DOWN',
      width: 180,
      height: 560
    };
    expect(fitScale(right, 600, 600)).toBe(0.5);
    expect(fitScale(right, 2400, 600)).toBe(1);
    expect(chooseLayout([right, down], 1300, 500)).toBe(right);
    expect(chooseLayout([right, down], 600, 600)).toBe(down);
    // a wide, low box: left to right, even squeezed
    expect(chooseLayout([right, down], 900, 200)).toBe(right);
    // size unknown yet: left to right
    expect(chooseLayout([right, down], 0, 0)).toBe(right);
    expect(chooseLayout([], 600, 600)).toBeNull();
  });
});

const harness = new ServerHarness();
let server: TestServer;
let client: LabstudioClient;

beforeEach(() => {
  ({ server, client } = harness);
});
const { track } = harness;

function serveLineage(): void {
  serveApi(server, {
    'GET /lineage': req => {
      const q = new URL(req.url, 'http://x').searchParams;
      if (q.get('start') !== 'churn-live') {
        return {
          status: 404,
          json: { message: `nothing named ${q.get('start')}`, field: 'start' }
        };
      }
      return {
        ...ENDPOINT_LINEAGE,
        direction: q.get('direction') === 'up' ? 'Ascendants' : 'Both'
      };
    }
  });
}

describe('LineageModel', () => {
  it('reads the trail, compact by default; a direction re-reads, every entity does not', async () => {
    serveLineage();
    const model = track(new LineageModel({ client, start: 'churn-live' }));
    await model.start();
    const asked = () =>
      requestsTo(server, 'GET', '/lineage').map(r => {
        const q = new URL(r.url, 'http://x').searchParams;
        return `${q.get('start')} ${q.get('direction')}`;
      });
    expect(asked()).toEqual(['churn-live both']);
    expect(model.graph?.nodes).toHaveLength(6);
    expect(model.fullGraph?.nodes).toHaveLength(ENDPOINT_LINEAGE.nodes.length);
    expect(model.layouts.map(l => l.direction)).toEqual(['RIGHT', 'DOWN']);
    expect(model.layouts[0].positions.size).toBe(6);
    expect(model.startNode?.type).toBe('Endpoint');

    await model.setShowAll(true);
    expect(model.graph?.nodes).toHaveLength(ENDPOINT_LINEAGE.nodes.length);
    expect(model.layouts[0].positions.size).toBe(ENDPOINT_LINEAGE.nodes.length);
    expect(asked()).toHaveLength(1);

    model.setDirection('up');
    expect(model.direction).toBe('up');
    await until(() => asked().length === 2, 5000, 'the re-read');
    await until(() => !model.loading, 5000, 'the layout');
    expect(asked()[1]).toBe('churn-live up');
    expect(model.graph?.direction).toBe('Ascendants');
  });

  it('says why a start names nothing', async () => {
    serveLineage();
    const model = track(new LineageModel({ client, start: 'nope' }));
    await model.start();
    expect(model.error?.message).toBe('nothing named nope');
    expect(model.graph).toBeNull();
  });

  it('reads the trail again when work that extends it happens', async () => {
    serveLineage();
    const events = harness.connectEvents();
    const model = track(
      new LineageModel({ client, events, start: 'churn-live', reloadDelay: 20 })
    );
    await model.start();
    await until(() => !!harness.events?.connected, 5000, 'the events socket');
    await model.reload();
    const reads = () => requestsTo(server, 'GET', '/lineage').length;
    const before = reads();
    for (const [kind, payload] of [
      ['model_package.status', { group: 'churn', version: 2, arn: 'x' }],
      ['endpoint.status', { name: 'churn-live', status: 'InService' }],
      ['job.status', { name: 'demo-fit-3', status: 'Completed' }]
    ] as const) {
      server.broadcast({ id: 1, time: 0, kind, payload });
    }
    await until(() => reads() > before, 5000, 'the re-read');
    await new Promise(resolve => setTimeout(resolve, 100));
    expect(reads()).toBe(before + 1); // the burst is one read
  });
});

describe('LineageView', () => {
  beforeAll(() => {
    // jsdom lays nothing out: React Flow's size observer has nothing to observe.
    (globalThis as any).ResizeObserver ??= class {
      observe(): void {
        // nothing to measure in jsdom
      }
      unobserve(): void {
        // idem
      }
      disconnect(): void {
        // idem
      }
    };
  });
  beforeEach(() => {
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = false;
  });

  it('renders every node of the trail; a click or Enter opens what it stands for', async () => {
    serveLineage();
    const model = track(new LineageModel({ client, start: 'churn-live' }));
    await model.start();
    const opened: LineageTarget[] = [];
    const { container, unmount } = render(
      <LineageView
        model={model}
        onOpen={target => opened.push(target)}
        canOpen={target => target.kind !== 'file'}
      />
    );
    const view = within(container);
    const root = view.getByTestId('labstudio-lineage-view');
    expect(root.dataset.start).toBe('churn-live');
    expect(root.dataset.nodes).toBe('6');
    expect(root.dataset.edges).toBe('5');
    await waitFor(() =>
      expect(view.getAllByTestId('labstudio-lineage-node')).toHaveLength(6)
    );
    const shown = (type: string, name: string) =>
      container.querySelector<HTMLElement>(
        `[data-testid="labstudio-lineage-node"][data-type="${type}"][data-name="${name}"]`
      )!;
    expect(shown('TrainingJob', 'demo-fit-2').textContent).toContain(
      'Training job'
    );
    expect(shown('Endpoint', 'churn-live').className).toContain(
      'labstudio-lineage-start'
    );
    // A data set outside the Jupyter root opens nothing: not a button.
    expect(shown('DataSet', 'raw').getAttribute('role')).toBeNull();

    fireEvent.click(shown('TrainingJob', 'demo-fit-2'));
    fireEvent.keyDown(shown('ModelPackage', 'churn/2'), { key: 'Enter' });
    fireEvent.click(shown('DataSet', 'raw'));
    expect(opened).toEqual([
      { kind: 'training-job', name: 'demo-fit-2' },
      { kind: 'model-package', group: 'churn', version: 2 }
    ]);

    // Every entity: the archive and the deployment come in.
    fireEvent.click(view.getByTestId('labstudio-lineage-all'));
    await waitFor(() =>
      expect(view.getAllByTestId('labstudio-lineage-node')).toHaveLength(
        ENDPOINT_LINEAGE.nodes.length
      )
    );
    expect(shown('Model', 'model.tar.gz')).toBeTruthy();

    // The direction is the model's.
    fireEvent.change(view.getByTestId('labstudio-lineage-direction'), {
      target: { value: 'up' }
    });
    expect(model.direction).toBe('up');
    await waitFor(() => expect(root.dataset.direction).toBe('up'));
    unmount();
  });

  it('says so when nothing is linked yet, and shows why a read failed', async () => {
    const alone = {
      ...ENDPOINT_LINEAGE,
      nodes: [node('Endpoint')],
      edges: []
    };
    serveApi(server, { 'GET /lineage': () => alone });
    const model = track(new LineageModel({ client, start: 'churn-live' }));
    await model.start();
    const { container, unmount } = render(
      <LineageView model={model} onOpen={() => undefined} />
    );
    expect(
      within(container).getByTestId('labstudio-lineage-empty').textContent
    ).toContain('Nothing is linked to churn-live yet');
    unmount();

    serveLineage();
    const missing = track(new LineageModel({ client, start: 'nope' }));
    await missing.start();
    const second = render(
      <LineageView model={missing} onOpen={() => undefined} />
    );
    expect(
      within(second.container).getByTestId('labstudio-error').textContent
    ).toContain('nothing named nope');
    second.unmount();
  });
});
