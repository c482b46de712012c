import {
  EXTENSION_MISSING_MESSAGE,
  LabstudioApiError,
  LabstudioClient,
  ServerExtensionMissingError
} from '../api';
import { summary } from './fixtures';
import { TestServer } from './server';

describe('LabstudioClient', () => {
  let server: TestServer;
  let client: LabstudioClient;

  beforeEach(async () => {
    server = await TestServer.start();
    client = new LabstudioClient({ serverSettings: server.settings('s3cret') });
  });

  afterEach(async () => {
    await server.close();
  });

  it('lists jobs and sends the pagination and filter parameters', async () => {
    const page = {
      TrainingJobSummaries: [summary('b'), summary('a')],
      NextToken: 'tok-2'
    };
    server.handler = () => ({ status: 200, json: page });

    const result = await client.listJobs({
      limit: 2,
      next_token: 'tok 1/+',
      status: 'Completed',
      name_contains: 'resnet'
    });

    expect(result).toEqual(page);
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0];
    expect(request.method).toBe('GET');
    const url = new URL(request.url, 'http://x');
    expect(url.pathname).toBe('/labstudio/api/jobs');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      limit: '2',
      next_token: 'tok 1/+',
      status: 'Completed',
      name_contains: 'resnet'
    });
    expect(request.headers.authorization).toBe('token s3cret');
  });

  it('leaves out parameters that are not set', async () => {
    server.handler = () => ({
      status: 200,
      json: { TrainingJobSummaries: [], NextToken: null }
    });
    await client.listJobs({ name_contains: '', kind: [] });
    expect(server.requests[0].url).toBe('/labstudio/api/jobs');
  });

  it('asks for jobs of several kinds with one repeated parameter and reads every kind back', async () => {
    const page = {
      JobSummaries: [
        { ...summary('t-1'), Kind: 'training' },
        {
          Kind: 'transform',
          TransformJobName: 'score-1',
          TransformJobStatus: 'InProgress',
          CreationTime: '2024-05-01T10:00:00+00:00',
          TransformEndTime: null,
          LastModifiedTime: '2024-05-01T10:00:00+00:00',
          FailureReason: null,
          RecordsProcessed: 3,
          RecordsTotal: 10
        }
      ],
      NextToken: 'next'
    };
    server.handler = () => ({ status: 200, json: page });
    const result = await client.listJobs({
      kind: ['training', 'processing', 'transform'],
      limit: 2
    });
    const url = new URL(server.requests[0].url, 'http://x');
    expect(url.pathname).toBe('/labstudio/api/jobs');
    expect(url.searchParams.getAll('kind')).toEqual([
      'training',
      'processing',
      'transform'
    ]);
    expect(url.searchParams.get('limit')).toBe('2');
    // The rows are typed by their Kind: narrowing needs no cast.
    const names = (result.JobSummaries ?? []).map(row =>
      row.Kind === 'transform'
        ? `${row.TransformJobName}:${row.RecordsProcessed}/${row.RecordsTotal}`
        : row.Kind === 'training'
          ? row.TrainingJobName
          : row.ProcessingJobName
    );
    expect(names).toEqual(['t-1', 'score-1:3/10']);
    expect(result.NextToken).toBe('next');
  });

  it('exposes every route of the document, typed, through `api`', async () => {
    server.handler = () => ({
      status: 200,
      json: { jobs: { default: 'local', backends: [] } }
    });
    const { data, response } = await client.api.GET('/labstudio/api/backends');
    expect(response.status).toBe(200);
    expect(data?.jobs.default).toBe('local');
    expect(server.requests[0].headers.authorization).toBe('token s3cret');
  });

  it('reports a 2xx answer that is not JSON as an API error', async () => {
    server.handler = () => ({
      status: 200,
      text: '<html>proxy login</html>',
      contentType: 'text/html'
    });
    const error = await client.getJob('x').catch(e => e);
    expect(error).toBeInstanceOf(LabstudioApiError);
    expect(error.message).toMatch(/not JSON/);
  });

  it('resolves a DELETE with an empty answer', async () => {
    server.handler = () => ({ status: 204, text: '' });
    await expect(client.deleteEndpoint('gone')).resolves.toBeUndefined();
    expect(server.requests[0].method).toBe('DELETE');
    expect(server.requests[0].url).toBe('/labstudio/api/endpoints/gone');
  });

  it('maps a 404 without a labstudio body to ServerExtensionMissingError', async () => {
    // The default handler answers like the Jupyter server for an unknown route.
    const error = await client.listJobs().catch(e => e);
    expect(error).toBeInstanceOf(ServerExtensionMissingError);
    expect(error).toBeInstanceOf(LabstudioApiError);
    expect(error.message).toBe(EXTENSION_MISSING_MESSAGE);
    expect(error.message).toBe('The labstudio server extension is not enabled');
    expect(error.status).toBe(404);
    expect(error.extensionMissing).toBe(true);
  });

  it('keeps a labstudio 404 (unknown job) as an ordinary API error', async () => {
    server.handler = () => ({
      status: 404,
      json: { message: "Training job 'nope' does not exist." }
    });
    const error = await client.getJob('nope').catch(e => e);
    expect(error).toBeInstanceOf(LabstudioApiError);
    expect(error).not.toBeInstanceOf(ServerExtensionMissingError);
    expect(error.extensionMissing).toBe(false);
    expect(error.status).toBe(404);
    expect(error.message).toBe("Training job 'nope' does not exist.");
  });

  it('surfaces the message and field of a 400', async () => {
    server.handler = () => ({
      status: 400,
      json: { message: 'entry_point is required', field: 'entry_point' }
    });
    const error = await client.createJob({ entry_point: '' }).catch(e => e);
    expect(error).toBeInstanceOf(LabstudioApiError);
    expect(error.status).toBe(400);
    expect(error.message).toBe('entry_point is required');
    expect(error.field).toBe('entry_point');
  });

  it('falls back to the status line when the error body is not JSON', async () => {
    server.handler = () => ({ status: 502, text: 'Bad gateway' });
    const error = await client.getMetrics('x').catch(e => e);
    expect(error).toBeInstanceOf(LabstudioApiError);
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/^502/);
    expect(error.field).toBeNull();
  });

  it('reports an unreachable server as status 0', async () => {
    await server.close();
    const error = await client.listJobs().catch(e => e);
    expect(error).toBeInstanceOf(LabstudioApiError);
    expect(error.status).toBe(0);
    expect(error.message).toMatch(/Cannot reach the Jupyter server/);
    server = await TestServer.start(); // for afterEach
  });

  it('creates a job with a JSON body', async () => {
    server.handler = request => ({
      status: 201,
      json: { TrainingJobName: JSON.parse(request.body).name }
    });
    const spec = {
      entry_point: '/tmp/train.py',
      hyperparameters: { epochs: 3 },
      channels: { train: '/data/train' },
      name: 'my-job'
    };
    const created = await client.createJob(spec);
    expect(created.TrainingJobName).toBe('my-job');
    const request = server.requests[0];
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/labstudio/api/jobs');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual(spec);
  });

  it('encodes job names in paths and calls stop, logs and metrics', async () => {
    server.handler = request => {
      if (request.url.includes('/logs')) {
        return {
          status: 200,
          json: { text: 'loss=1\n', next_offset: 7, complete: false }
        };
      }
      if (request.url.endsWith('/metrics')) {
        return {
          status: 200,
          json: { metrics: [{ name: 'loss', points: [] }] }
        };
      }
      return {
        status: 202,
        json: { TrainingJobName: 'a b', TrainingJobStatus: 'Stopping' }
      };
    };
    const stopped = await client.stopJob('a b');
    expect(stopped.TrainingJobStatus).toBe('Stopping');
    const logs = await client.getLogs('a b', 42);
    expect(logs).toEqual({ text: 'loss=1\n', next_offset: 7, complete: false });
    const metrics = await client.getMetrics('a b');
    expect(metrics.metrics[0].name).toBe('loss');
    expect(server.requests.map(r => `${r.method} ${r.url}`)).toEqual([
      'POST /labstudio/api/jobs/a%20b/stop',
      'GET /labstudio/api/jobs/a%20b/logs?offset=42',
      'GET /labstudio/api/jobs/a%20b/metrics'
    ]);
  });

  it("follows NextToken and joins the pages of a job's metrics", async () => {
    server.handler = request => {
      if (!request.url.includes('next_token')) {
        return {
          status: 200,
          json: {
            metrics: [
              { name: 'acc', points: [{ step: 0, value: 0.5, timestamp: 1 }] },
              { name: 'loss', points: [{ step: 0, value: 2, timestamp: 1 }] }
            ],
            NextToken: 'page2'
          }
        };
      }
      return {
        status: 200,
        json: {
          metrics: [
            { name: 'loss', points: [{ step: 1, value: 1, timestamp: 2 }] }
          ],
          NextToken: null
        }
      };
    };
    const metrics = await client.getMetrics('big');
    expect(
      metrics.metrics.map(m => [m.name, m.points.map(p => p.step)])
    ).toEqual([
      ['acc', [0]],
      ['loss', [0, 1]]
    ]);
    expect(server.requests.map(r => r.url)).toEqual([
      '/labstudio/api/jobs/big/metrics',
      '/labstudio/api/jobs/big/metrics?next_token=page2'
    ]);
  });

  it('turns the JSON spellings of NaN and infinities in metric points into numbers', async () => {
    server.handler = () => ({
      status: 200,
      json: {
        TrainingJobName: 'odd',
        metrics: [
          {
            name: 'loss',
            points: ['NaN', 'Infinity', '-Infinity', null, 0.5].map(
              (value, step) => ({ step, value, timestamp: 1 })
            )
          }
        ],
        NextToken: null
      }
    });
    const metrics = await client.getMetrics('odd');
    expect(metrics.metrics[0].points.map(p => p.value)).toEqual([
      NaN,
      Infinity,
      -Infinity,
      null,
      0.5
    ]);
  });

  it('builds the events URL with the token', () => {
    expect(client.eventsUrl()).toBe(
      `ws://127.0.0.1:${server.port}/labstudio/api/events?token=s3cret`
    );
    const anonymous = new LabstudioClient({
      serverSettings: server.settings('')
    });
    expect(anonymous.eventsUrl()).toBe(
      `ws://127.0.0.1:${server.port}/labstudio/api/events`
    );
  });
});
