import { LabstudioClient, ServerExtensionMissingError } from '../api';
import { experiment, run } from './studioFixtures';
import { TestServer } from './server';

describe('LabstudioClient (experiments, runs, endpoints)', () => {
  let server: TestServer;
  let client: LabstudioClient;

  beforeEach(async () => {
    server = await TestServer.start();
    client = new LabstudioClient({ serverSettings: server.settings('tok') });
  });

  afterEach(async () => {
    await server.close();
  });

  const query = (i = 0) =>
    Object.fromEntries(
      new URL(server.requests[i].url, 'http://x').searchParams
    );
  const pathname = (i = 0) =>
    new URL(server.requests[i].url, 'http://x').pathname;

  it('lists experiments', async () => {
    server.handler = () => ({
      status: 200,
      json: { experiments: [experiment('a')] }
    });
    expect((await client.listExperiments()).map(e => e.name)).toEqual(['a']);
    expect(pathname()).toBe('/labstudio/api/experiments');
  });

  it('searches runs with experiment, filter, order and paging', async () => {
    server.handler = () => ({
      status: 200,
      json: { runs: [run('1')], next_token: 't2', total: 5 }
    });
    const page = await client.listRuns({
      experiment: ['my exp'],
      filter: "metrics.acc > 0.9 and name like 'a%'",
      order_by: 'metrics.loss asc',
      limit: 50,
      next_token: 't1'
    });
    expect(page.runs[0].id).toBe('1');
    expect(pathname()).toBe('/labstudio/api/runs');
    expect(query()).toEqual({
      experiment: 'my exp',
      filter: "metrics.acc > 0.9 and name like 'a%'",
      order_by: 'metrics.loss asc',
      limit: '50',
      next_token: 't1'
    });
  });

  it('repeats the experiment parameter for several experiments', async () => {
    server.handler = () => ({
      status: 200,
      json: { runs: [], next_token: null }
    });
    await client.listRuns({ experiment: ['a', 'b'] });
    const params = new URL(server.requests[0].url, 'http://x').searchParams;
    expect(params.getAll('experiment')).toEqual(['a', 'b']);
  });

  it('keeps slashes of metric names as path segments', async () => {
    server.handler = () => ({
      status: 200,
      json: {
        run_id: 'r',
        name: 'val/loss',
        count: 0,
        downsampled: false,
        steps: [],
        values: [],
        timestamps: []
      }
    });
    await client.getRunMetric('abc', 'val/loss', 500);
    expect(pathname()).toBe('/labstudio/api/runs/abc/metrics/val/loss');
    expect(query()).toEqual({ max_points: '500' });
  });

  it('posts a comparison', async () => {
    server.handler = () => ({
      status: 200,
      json: {
        max_points: 100,
        method: 'minmax',
        metrics: ['loss'],
        runs: [],
        series: []
      }
    });
    await client.compareRuns({
      runs: ['a', 'b'],
      metrics: ['loss'],
      max_points: 100
    });
    expect(server.requests[0].method).toBe('POST');
    expect(pathname()).toBe('/labstudio/api/runs/compare');
    expect(JSON.parse(server.requests[0].body)).toEqual({
      runs: ['a', 'b'],
      metrics: ['loss'],
      max_points: 100
    });
  });

  it('creates, updates and deletes endpoints', async () => {
    server.handler = req =>
      req.method === 'DELETE'
        ? { status: 204 }
        : {
            status: req.method === 'POST' ? 201 : 200,
            json: { EndpointName: 'ep' }
          };
    await client.createEndpoint(
      { EndpointName: 'ep', ProductionVariants: [{ Source: 'job-1' }] },
      true
    );
    expect(query(0)).toEqual({ wait: 'true' });
    expect(
      JSON.parse(server.requests[0].body).ProductionVariants[0].Source
    ).toBe('job-1');
    await client.updateEndpoint('ep', [
      { VariantName: 'A', InitialVariantWeight: 2 }
    ]);
    expect(server.requests[1].method).toBe('PATCH');
    await expect(client.deleteEndpoint('ep')).resolves.toBeUndefined();
    expect(server.requests[2].method).toBe('DELETE');
    expect(pathname(2)).toBe('/labstudio/api/endpoints/ep');
  });

  it('invokes through the proxy and reports status, latency and variant', async () => {
    server.handler = req => ({
      status: 200,
      json: {
        echo: req.body,
        type: req.headers['content-type'],
        accept: req.headers['accept'],
        variant: req.headers['x-labstudio-target-variant']
      }
    });
    const result = await client.invokeEndpoint('ep', {
      body: 'a,b',
      contentType: 'text/csv',
      accept: 'application/json',
      targetVariant: 'B'
    });
    expect(result.ok).toBe(true);
    expect(result.status).toBe(200);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(result.body)).toEqual({
      echo: 'a,b',
      type: 'text/csv',
      accept: 'application/json',
      variant: 'B'
    });
    expect(pathname()).toBe('/labstudio/api/endpoints/ep/invocations');
  });

  it('gives a model error as a result, and a missing API as an error', async () => {
    server.handler = () => ({
      status: 415,
      json: { message: 'unsupported content type' }
    });
    const result = await client.invokeEndpoint('ep', { body: 'x' });
    expect(result.ok).toBe(false);
    expect(result.status).toBe(415);
    server.handler = () => ({
      status: 404,
      text: '<html>404</html>',
      contentType: 'text/html'
    });
    await expect(
      client.invokeEndpoint('ep', { body: 'x' })
    ).rejects.toBeInstanceOf(ServerExtensionMissingError);
  });

  it('knows which routes the server has from its OpenAPI document', async () => {
    server.handler = () => ({
      status: 200,
      json: { paths: { '/labstudio/api/jobs/{name}/artifacts/{kind}': {} } }
    });
    expect(await client.hasRoute('/jobs/{name}/artifacts/{kind}')).toBe(true);
    expect(await client.hasRoute('/nope')).toBe(false);
    expect(server.requests).toHaveLength(1); // cached
    expect(client.artifactUrl('job 1', 'model')).toContain(
      '/labstudio/api/jobs/job%201/artifacts/model?token=tok'
    );
  });
});
