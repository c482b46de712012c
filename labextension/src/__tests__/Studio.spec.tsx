import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import { LabstudioClient } from '../api';
import { EventStream } from '../events';
import { JobsModel, StudioPanel } from '../panel';
import { EndpointsModel } from '../panel/endpointsModel';
import { ExperimentsModel } from '../panel/experimentsModel';
import { LaunchForm } from '../views/launch/LaunchForm';
import { CompareTable } from '../views/compare/CompareTable';
import { buildColumns } from '../views/compare/table';
import { experiment, run } from './studioFixtures';
import { serveApi, TestServer, until } from './server';

describe('Studio panel sections', () => {
  let server: TestServer;
  let panel: StudioPanel | null = null;
  let events: EventStream | null = null;

  beforeEach(async () => {
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = false;
    server = await TestServer.start();
  });

  afterEach(async () => {
    panel?.dispose();
    events?.dispose();
    panel = events = null;
    await server.close();
  });

  function mount(compared: string[][]) {
    const client = new LabstudioClient({ serverSettings: server.settings() });
    events = new EventStream({ url: () => client.eventsUrl(), minDelay: 50 });
    const jobs = new JobsModel({ client, events, refreshDelay: 20 });
    const experiments = new ExperimentsModel({
      client,
      events,
      // wide enough that two events sent back to back land in one window on a loaded machine
      refreshDelay: 250,
      metricsInterval: 20,
      keyMetric: 'loss'
    });
    const endpoints = new EndpointsModel({ client, events, refreshDelay: 20 });
    panel = new StudioPanel({
      jobs,
      experiments,
      endpoints,
      actions: { openCompare: selection => compared.push(selection.runIds) }
    });
    Widget.attach(panel, document.body);
    void jobs.start();
    void experiments.start();
    void endpoints.start();
    return { panel, experiments };
  }

  it('shows experiments, runs with the key metric, selects a range and compares', async () => {
    let runs = [run('a'), run('b'), run('c', { status: 'InProgress' })];
    serveApi(server, {
      'GET /jobs': () => ({ TrainingJobSummaries: [], NextToken: null }),
      'GET /experiments': () => ({
        experiments: [experiment('demo', { run_count: runs.length })]
      }),
      'GET /runs': () => ({ runs, next_token: null, total: runs.length }),
      'GET /endpoints': () => ({
        Endpoints: [
          {
            EndpointName: 'ep1',
            EndpointStatus: 'InService',
            FailureReason: null,
            EndpointUrl: 'http://127.0.0.1:9',
            CreationTime: '',
            LastModifiedTime: '',
            VariantNames: ['AllTraffic']
          }
        ]
      })
    });
    const compared: string[][] = [];
    const { panel: widget } = mount(compared);
    const rows = () => [
      ...widget.node.querySelectorAll<HTMLElement>(
        '[data-testid="labstudio-run-row"]'
      )
    ];
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(
      rows()[0].querySelector('[data-testid="labstudio-run-metric"]')!
        .textContent
    ).toBe('0.5');
    expect(
      widget.node.querySelector('[data-endpoint="ep1"]')!.textContent
    ).toContain('http://127.0.0.1:9');
    const runsQuery = server.requests.find(r =>
      r.url.startsWith('/labstudio/api/runs')
    )!;
    expect(
      new URL(runsQuery.url, 'http://x').searchParams.get('experiment')
    ).toBe('demo');

    fireEvent.click(rows()[0].querySelector('input')!);
    fireEvent.click(rows()[2].querySelector('input')!, { shiftKey: true });
    const compare = widget.node.querySelector<HTMLButtonElement>(
      '[data-testid="labstudio-compare"]'
    )!;
    await waitFor(() => expect(compare.textContent).toBe('Compare (3)'));
    fireEvent.click(compare);
    expect(compared[0].sort()).toEqual(['a', 'b', 'c']);

    // A new run arrives over the socket: one coalesced refresh shows it.
    await until(() => server.openSockets.length > 0);
    runs = [run('d'), ...runs];
    const before = server.requests.length;
    server.broadcast({
      id: 1,
      time: 0,
      kind: 'run.created',
      payload: { run_id: 'd', experiment: 'demo', name: 'run-d' }
    });
    server.broadcast({
      id: 2,
      time: 0,
      kind: 'run.created',
      payload: { run_id: 'd', experiment: 'demo', name: 'run-d' }
    });
    await waitFor(() => expect(rows()).toHaveLength(4));
    const runRequests = server.requests
      .slice(before)
      .filter(r => r.url.startsWith('/labstudio/api/runs'));
    expect(runRequests).toHaveLength(1);

    // run.status patches the row at once
    server.broadcast({
      id: 3,
      time: 0,
      kind: 'run.status',
      payload: { run_id: 'c', status: 'Failed' }
    });
    await waitFor(() =>
      expect(rows().find(r => r.dataset.runId === 'c')!.dataset.status).toBe(
        'Failed'
      )
    );
  });

  it('searches runs across experiments with a filter expression', async () => {
    serveApi(server, {
      'GET /jobs': () => ({ TrainingJobSummaries: [], NextToken: null }),
      'GET /experiments': () => ({ experiments: [experiment('demo')] }),
      'GET /runs': () => ({ runs: [run('a')], next_token: null }),
      'GET /endpoints': () => ({ Endpoints: [] })
    });
    const { panel: widget, experiments } = mount([]);
    await waitFor(() =>
      expect(
        widget.node.querySelectorAll('[data-testid="labstudio-run-row"]')
      ).toHaveLength(1)
    );
    experiments.setSearch('metrics.loss < 0.6');
    await waitFor(() => {
      const last = server.requests
        .filter(r => r.url.startsWith('/labstudio/api/runs'))
        .pop()!;
      expect(new URL(last.url, 'http://x').searchParams.get('filter')).toBe(
        'metrics.loss < 0.6'
      );
    });
    expect(widget.node.textContent).toContain('Deploy a completed job');
  });
});

describe('LaunchForm', () => {
  let server: TestServer;
  beforeEach(async () => {
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;
    server = await TestServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  it('shows the server validation error beside its field', async () => {
    serveApi(server, { 'GET /experiments': () => ({ experiments: [] }) });
    const base = server.handler;
    server.handler = req =>
      req.method === 'POST'
        ? {
            status: 400,
            json: {
              message: "'max_runtime_seconds' must be greater than 0, got -3.",
              field: 'max_runtime_seconds'
            }
          }
        : base(req);
    const client = new LabstudioClient({ serverSettings: server.settings() });
    render(
      <LaunchForm
        client={client}
        initial={{ entryPoint: 'train.py', maxRuntime: '-3' }}
      />
    );
    fireEvent.click(screen.getByTestId('labstudio-launch-submit'));
    const error = await screen.findByTestId(
      'labstudio-field-error-max_runtime_seconds'
    );
    expect(error.textContent).toContain('greater than 0');
    expect(error.closest('[data-field]')!.getAttribute('data-field')).toBe(
      'max_runtime_seconds'
    );
    expect(
      JSON.parse(server.requests.find(r => r.method === 'POST')!.body)
    ).toEqual({ entry_point: 'train.py', max_runtime_seconds: -3 });
  });

  it('asks for an entry point before calling the server, and tests regexes', async () => {
    serveApi(server, { 'GET /experiments': () => ({ experiments: [] }) });
    const client = new LabstudioClient({ serverSettings: server.settings() });
    render(
      <LaunchForm
        client={client}
        initial={{
          metricDefinitions: [{ key: 'loss', value: 'loss=([0-9.]+)' }]
        }}
      />
    );
    expect(screen.getByTestId('labstudio-regex-result').textContent).toContain(
      '0.693'
    );
    fireEvent.click(screen.getByTestId('labstudio-launch-submit'));
    expect(
      (await screen.findByTestId('labstudio-field-error-entry_point'))
        .textContent
    ).toContain('Choose the script');
    expect(server.requests.filter(r => r.method === 'POST')).toHaveLength(0);
  });
});

describe('CompareTable', () => {
  it('renders only the rows in view and sorts on header click', () => {
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;
    const runs = Array.from({ length: 1000 }, (_, i) =>
      run(String(i), { params: { lr: String(i % 7) } })
    );
    const columns = buildColumns(runs, 'last', false);
    const sorts: unknown[] = [];
    render(
      <CompareTable
        runs={runs}
        columns={columns}
        sort={null}
        onSort={s => sorts.push(s)}
      />
    );
    const rendered = screen.getAllByTestId('labstudio-compare-row');
    expect(rendered.length).toBeLessThan(60);
    fireEvent.click(
      screen
        .getAllByTestId('labstudio-compare-header')
        .find(h => h.dataset.column === 'param:lr')!
    );
    expect(sorts).toEqual([{ column: 'param:lr', descending: false }]);
  });
});
