/**
 * The models behind the main-area views, against a real HTTP + WebSocket test server:
 * what each one reads, how events and timers move it, and what its actions send.
 */
import { LabstudioClient } from '../api';
import { ITrainingJobDescription } from '../types';
import { CompareModel, pointsPerCurve } from '../views/compare/compareModel';
import { EndpointModel } from '../views/endpoint/endpointModel';
import { JobDetailModel } from '../views/job/jobDetailModel';
import { LogTailModel } from '../views/job/logTailModel';
import { LaunchFormModel } from '../views/launch/launchFormModel';
import { run } from './studioFixtures';
import {
  IRecordedRequest,
  ITestResponse,
  requestsTo,
  serveApi,
  TestServer,
  until
} from './server';
import { ServerHarness } from './harness';

/** Route `METHOD /path` (under /labstudio/api) to a handler; a handler's plain value is 200 JSON. */
const pause = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

function job(
  status: string,
  overrides: Record<string, unknown> = {}
): ITrainingJobDescription {
  return {
    TrainingJobName: 'j',
    TrainingJobStatus: status,
    SecondaryStatus: status === 'InProgress' ? 'Training' : status,
    SecondaryStatusTransitions: [],
    HyperParameters: {},
    InputDataConfig: [],
    FinalMetricDataList: [],
    CreationTime: '2024-05-01T10:00:00+00:00',
    LastModifiedTime: '2024-05-01T10:00:00+00:00',
    Environment: {},
    Tags: [],
    MetricDefinitions: [],
    EntryPoint: 'train.py',
    ...overrides
  } as unknown as ITrainingJobDescription;
}

const harness = new ServerHarness();
let server: TestServer;
let client: LabstudioClient;

beforeEach(() => {
  ({ server, client } = harness);
});
const { connectEvents, track } = harness;

/** Wait for the socket, then for the catch-up read that its opening triggers. */
async function settle(model: {
  reload?: () => Promise<void>;
  refresh?: () => Promise<void>;
}): Promise<void> {
  await until(() => !!harness.events?.connected, 5000, 'the events socket');
  await (model.reload ?? model.refresh)!.call(model);
}

describe('LogTailModel', () => {
  it('reads the log from its offset while the job runs and stops once it is complete', async () => {
    let log = 'line 1\n';
    let done = false;
    serveApi(server, {
      'GET /jobs/j/logs': req => {
        const offset = Number(
          new URL(req.url, 'http://x').searchParams.get('offset')
        );
        return {
          text: log.slice(offset),
          next_offset: log.length,
          complete: done && offset >= log.length
        };
      }
    });
    const model = track(new LogTailModel({ client, name: 'j', interval: 20 }));
    model.setActive(true);
    await until(
      () => model.text === 'line 1\n' && model.polling,
      5000,
      'the first line'
    );

    log += 'line 2\n';
    await until(
      () => model.text === 'line 1\nline 2\n',
      5000,
      'the second line'
    );
    // Each read asks from where the last one stopped.
    const offsets = requestsTo(server, 'GET', '/jobs/j/logs').map(r =>
      new URL(r.url, 'http://x').searchParams.get('offset')
    );
    expect(offsets).toContain('7');
    await until(
      () =>
        requestsTo(server, 'GET', '/jobs/j/logs').some(r =>
          r.url.includes('offset=14')
        ),
      5000,
      'a read from the new end'
    );

    // The job ends: one more read takes the last lines, then the tail stops.
    log += 'bye\n';
    done = true;
    model.setActive(false);
    await until(
      () => model.text.endsWith('bye\n') && !model.polling,
      5000,
      'the last lines'
    );
    await until(() => model.complete, 5000, 'the complete log');
    const settled = requestsTo(server, 'GET', '/jobs/j/logs').length;
    await pause(150);
    expect(requestsTo(server, 'GET', '/jobs/j/logs')).toHaveLength(settled);
    expect(model.text).toBe('line 1\nline 2\nbye\n');
  });

  it('stops polling when the server says the log is complete, even if still marked active', async () => {
    serveApi(server, {
      'GET /jobs/j/logs': () => ({ text: '', next_offset: 0, complete: true })
    });
    const model = track(new LogTailModel({ client, name: 'j', interval: 20 }));
    model.setActive(true);
    await until(() => model.complete, 5000, 'the complete log');
    expect(model.polling).toBe(false);
    await pause(150);
    expect(requestsTo(server, 'GET', '/jobs/j/logs')).toHaveLength(1);
  });

  it('shows a read error and copies the whole text', async () => {
    serveApi(server, {
      'GET /jobs/j/logs': () => ({
        status: 500,
        json: { message: 'disk gone' }
      })
    });
    const model = track(
      new LogTailModel({ client, name: 'j', copiedDelay: 30 })
    );
    model.setActive(false);
    await until(() => model.error !== null, 5000, 'the error');
    expect(model.error).toBe('disk gone');

    const copied: string[] = [];
    await model.copy(async text => {
      copied.push(text);
    });
    expect(copied).toEqual(['']);
    expect(model.copied).toBe(true);
    await until(() => !model.copied, 5000, 'the copied flag to reset');
  });
});

describe('JobDetailModel', () => {
  it('reads the job and every page of its metrics, then follows status and metric events', async () => {
    let described = job('InProgress');
    serveApi(server, {
      'GET /jobs/j': () => described,
      'GET /jobs/j/metrics': req =>
        new URL(req.url, 'http://x').searchParams.get('next_token') === 'p2'
          ? {
              metrics: [
                {
                  name: 'loss',
                  points: [{ step: 2, value: 0.5, timestamp: 3 }]
                }
              ],
              NextToken: null
            }
          : {
              metrics: [
                {
                  name: 'loss',
                  points: [{ step: 1, value: 0.9, timestamp: 2 }]
                }
              ],
              NextToken: 'p2'
            },
      'GET /jobs/j/logs': () => ({ text: '', next_offset: 0, complete: false }),
      'GET /openapi.json': () => ({
        paths: { '/jobs/{name}/artifacts/{kind}': {} }
      })
    });
    const model = track(
      new JobDetailModel({
        client,
        events: connectEvents(),
        name: 'j',
        reloadDelay: 20,
        logInterval: 20
      })
    );
    await model.start();
    expect(model.job?.TrainingJobStatus).toBe('InProgress');
    expect(model.metrics).toEqual([
      {
        name: 'loss',
        points: [
          { step: 1, value: 0.9, timestamp: 2 },
          { step: 2, value: 0.5, timestamp: 3 }
        ]
      }
    ]);
    expect(model.active).toBe(true);
    expect(model.log.active).toBe(true);
    await until(() => model.downloads, 5000, 'the artifacts route');
    expect(model.artifactUrl('model')).toContain(
      '/labstudio/api/jobs/j/artifacts/model'
    );
    await settle(model);

    // Live metric points are appended without a request.
    server.broadcast({
      id: 1,
      time: 0,
      kind: 'job.metrics',
      payload: {
        name: 'j',
        run_id: null,
        points: [{ key: 'loss', value: 0.25, step: 3, timestamp: 4 }]
      }
    });
    await until(
      () => model.metrics[0].points.length === 3,
      5000,
      'the live point'
    );
    // Another job's events change nothing.
    server.broadcast({
      id: 2,
      time: 0,
      kind: 'job.status',
      payload: { name: 'other', status: 'Failed', secondary_status: 'Failed' }
    });

    // The job completes: the event patches the status at once, one re-read follows.
    const reads = requestsTo(server, 'GET', '/jobs/j').length;
    described = job('Completed', {
      ModelArtifacts: { S3ModelArtifacts: 'file:///m.tar.gz' }
    });
    server.broadcast({
      id: 3,
      time: 0,
      kind: 'job.status',
      payload: { name: 'j', status: 'Completed', secondary_status: 'Completed' }
    });
    await until(
      () => model.job?.TrainingJobStatus === 'Completed',
      5000,
      'the status'
    );
    await until(
      () => model.job?.ModelArtifacts?.S3ModelArtifacts === 'file:///m.tar.gz',
      5000,
      'the re-read'
    );
    expect(requestsTo(server, 'GET', '/jobs/j').length).toBe(reads + 1);
    expect(model.active).toBe(false);
    expect(model.log.active).toBe(false);
  });

  it('stops and deploys the job, keeping an action error to show', async () => {
    serveApi(server, {
      'GET /jobs/j': () => job('InProgress'),
      'GET /jobs/j/metrics': () => ({ metrics: [] }),
      'GET /jobs/j/logs': () => ({ text: '', next_offset: 0, complete: false }),
      'POST /jobs/j/stop': () => job('Stopping'),
      'POST /endpoints': () => ({
        status: 409,
        json: {
          message: "Endpoint 'j-ep' already exists",
          field: 'EndpointName'
        }
      })
    });
    const model = track(new JobDetailModel({ client, name: 'j' }));
    await model.start();
    await model.stop();
    expect(model.job?.TrainingJobStatus).toBe('Stopping');
    expect(model.busy).toBe(false);

    expect(await model.deploy('j-ep')).toBeNull();
    expect(model.actionError).toBe("Endpoint 'j-ep' already exists");
    expect(
      JSON.parse(requestsTo(server, 'POST', '/endpoints')[0].body)
    ).toEqual({
      EndpointName: 'j-ep',
      ProductionVariants: [{ VariantName: 'AllTraffic', Source: 'j' }]
    });
  });

  it('keeps the error of a job that cannot be read, and retries', async () => {
    let exists = false;
    serveApi(server, {
      'GET /jobs/j': () =>
        exists
          ? job('Completed')
          : { status: 404, json: { message: "Training job 'j' not found" } },
      'GET /jobs/j/metrics': () => ({ metrics: [] }),
      'GET /jobs/j/logs': () => ({ text: '', next_offset: 0, complete: true })
    });
    const model = track(new JobDetailModel({ client, name: 'j' }));
    await model.start();
    expect(model.error?.message).toBe("Training job 'j' not found");
    exists = true;
    await model.reload();
    expect(model.error).toBeNull();
    expect(model.job?.TrainingJobStatus).toBe('Completed');
  });
});

describe('EndpointModel', () => {
  function endpoint(invocations: number) {
    return {
      EndpointName: 'ep',
      EndpointStatus: 'InService',
      CreationTime: '2024-05-01T10:00:00+00:00',
      LastModifiedTime: '2024-05-01T10:00:00+00:00',
      InvocationsUrl: 'http://127.0.0.1:9/invocations',
      AuthType: 'None',
      ProductionVariants: [
        {
          VariantName: 'a',
          VariantStatus: 'InService',
          CurrentWeight: 1,
          CurrentInstanceCount: 1,
          ModelData: 'm'
        },
        {
          VariantName: 'b',
          VariantStatus: 'InService',
          CurrentWeight: 1,
          CurrentInstanceCount: 1,
          ModelData: 'm'
        }
      ],
      Metrics: { Invocations: invocations }
    };
  }

  it('reads figures and log, measures requests per second, and re-reads on its events', async () => {
    let invocations = 10;
    serveApi(server, {
      'GET /endpoints/ep': () => endpoint(invocations),
      'GET /endpoints/ep/logs': req => ({
        Log: `tail=${new URL(req.url, 'http://x').searchParams.get('tail')}`
      })
    });
    let clock = 0;
    const model = track(
      new EndpointModel({
        client,
        events: connectEvents(),
        name: 'ep',
        interval: 0,
        now: () => clock
      })
    );
    await model.start();
    expect(model.endpoint?.EndpointStatus).toBe('InService');
    expect(model.log).toBe('tail=200');
    expect(model.rps).toBeNull();

    invocations = 30;
    clock = 2000;
    await model.refresh();
    expect(model.rps).toBe(10);

    await settle(model);
    const reads = () => requestsTo(server, 'GET', '/endpoints/ep').length;
    const before = reads();
    server.broadcast({
      id: 1,
      time: 0,
      kind: 'endpoint.status',
      payload: { name: 'other', status: 'Failed' }
    });
    server.broadcast({
      id: 2,
      time: 0,
      kind: 'endpoint.status',
      payload: { name: 'ep', status: 'Updating' }
    });
    await until(() => reads() === before + 1, 5000, 'the re-read');
    await pause(100);
    expect(reads()).toBe(before + 1);
  });

  it('re-reads the figures every interval', async () => {
    serveApi(server, {
      'GET /endpoints/ep': () => endpoint(1),
      'GET /endpoints/ep/logs': () => ({ Log: '' })
    });
    const model = track(
      new EndpointModel({ client, name: 'ep', interval: 30 })
    );
    await model.start();
    await until(
      () => requestsTo(server, 'GET', '/endpoints/ep').length >= 3,
      5000,
      'periodic reads'
    );
    model.dispose();
    const settled = requestsTo(server, 'GET', '/endpoints/ep').length;
    await pause(150);
    expect(
      requestsTo(server, 'GET', '/endpoints/ep').length
    ).toBeLessThanOrEqual(settled + 1);
  });

  it('invokes, applies weights and deletes, with their errors', async () => {
    let patchAnswer: ITestResponse | unknown = endpoint(0);
    let deleteAnswer: ITestResponse = {
      status: 409,
      json: { message: 'busy' }
    };
    serveApi(server, {
      'GET /endpoints/ep': () => endpoint(0),
      'GET /endpoints/ep/logs': () => ({ Log: '' }),
      'POST /endpoints/ep/invocations': () => ({
        status: 400,
        json: { error: 'bad input' }
      }),
      'PATCH /endpoints/ep': () => patchAnswer,
      'DELETE /endpoints/ep': () => deleteAnswer
    });
    const model = track(new EndpointModel({ client, name: 'ep', interval: 0 }));
    await model.start();

    // A model's 4xx is a result to show, not an error.
    await model.invoke({
      body: '[1]',
      contentType: 'application/json',
      targetVariant: 'b'
    });
    expect(model.invokeResult).toMatchObject({ status: 400, ok: false });
    expect(model.invokeError).toBeNull();
    expect(model.invoking).toBe(false);
    const sent = requestsTo(server, 'POST', '/endpoints/ep/invocations')[0];
    expect(sent.body).toBe('[1]');
    expect(sent.headers['x-labstudio-target-variant']).toBe('b');

    expect(await model.setWeights({ b: 3 })).toBe(true);
    expect(
      JSON.parse(requestsTo(server, 'PATCH', '/endpoints/ep')[0].body)
    ).toEqual({
      ProductionVariants: [
        { VariantName: 'a', InitialVariantWeight: 1 },
        { VariantName: 'b', InitialVariantWeight: 3 }
      ]
    });
    patchAnswer = {
      status: 400,
      json: {
        message: 'weights must not all be 0',
        field: 'ProductionVariants'
      }
    };
    expect(await model.setWeights({ a: 0, b: 0 })).toBe(false);
    expect(model.weightsError).toBe('weights must not all be 0');

    let deleted = 0;
    model.deleted.connect(() => deleted++);
    await model.remove();
    expect(model.actionError).toBe('busy');
    expect(deleted).toBe(0);
    deleteAnswer = { status: 204, text: '' };
    await model.remove();
    expect(deleted).toBe(1);
  });
});

describe('CompareModel', () => {
  function compareAnswer(
    req: IRecordedRequest,
    runs: ReturnType<typeof run>[]
  ) {
    const body = JSON.parse(req.body) as { runs: string[]; metrics?: string[] };
    const metric = body.metrics?.[0];
    const chosen = runs.filter(r => body.runs.includes(r.id));
    return {
      runs: chosen,
      series: metric
        ? chosen.map(r => ({
            run_id: r.id,
            run_name: r.name,
            metric,
            steps: [0, 1],
            values: [1, 0.5]
          }))
        : []
    };
  }

  it('charts the first metric when none is chosen and reads every run’s curve in pages of 500', async () => {
    const runs = Array.from({ length: 1200 }, (_, i) => run(String(i)));
    serveApi(server, { 'POST /runs/compare': req => compareAnswer(req, runs) });
    const model = track(
      new CompareModel({ client, runIds: runs.map(r => r.id), maxPoints: 300 })
    );
    const sizes: number[] = [];
    model.changed.connect(() => sizes.push(model.data?.runs.length ?? 0));
    await model.start();
    await until(
      () => model.metric === 'loss' && model.data?.series.size === 1200,
      5000,
      'every loss series'
    );
    expect(model.data?.runs.map(r => r.id)).toEqual(runs.map(r => r.id));
    expect(model.total).toBe(1200);
    const bodies = requestsTo(server, 'POST', '/runs/compare').map(r =>
      JSON.parse(r.body)
    );
    // no metric chosen yet: the first read asks for none, then every page of the loss
    expect(bodies[0].metrics).toEqual([]);
    const last = bodies.slice(-3);
    expect(last.map(b => [b.runs.length, b.max_points, b.metrics])).toEqual([
      [500, pointsPerCurve(300, 1200), ['loss']],
      [500, pointsPerCurve(300, 1200), ['loss']],
      [200, pointsPerCurve(300, 1200), ['loss']]
    ]);
    expect(pointsPerCurve(300, 1200)).toBe(166);
    // the pages were shown as they landed (in batches), not all at once at the end
    expect(sizes.some(n => n > 0 && n < 1200)).toBe(true);
  });

  it('compares whole experiments by following the server’s pages', async () => {
    const runs = Array.from({ length: 700 }, (_, i) => run(String(i)));
    serveApi(server, {
      'POST /runs/compare': req => {
        const body = JSON.parse(req.body);
        const offset = body.next_token ? Number(body.next_token) : 0;
        const page = runs
          .filter(r => !(body.exclude ?? []).includes(r.id))
          .slice(offset, offset + body.limit);
        const kept = runs.length - (body.exclude ?? []).length;
        return {
          runs: page,
          series: page.map(r => ({
            run_id: r.id,
            run_name: r.name,
            metric: 'loss',
            steps: [0],
            values: [1]
          })),
          total: kept,
          next_token:
            offset + page.length < kept ? String(offset + page.length) : null
        };
      }
    });
    const model = track(
      new CompareModel({
        client,
        selection: { runIds: [], experiments: ['big'], exclude: ['3'] },
        keyMetric: 'loss'
      })
    );
    await model.start();
    await until(
      () => model.data?.runs.length === 699 && !model.loading,
      5000,
      'every page'
    );
    const bodies = requestsTo(server, 'POST', '/runs/compare').map(r =>
      JSON.parse(r.body)
    );
    expect(
      bodies.map(b => [b.experiments, b.exclude, b.next_token ?? null])
    ).toEqual([
      [['big'], ['3'], null],
      [['big'], ['3'], '500']
    ]);
    expect(model.data?.series.size).toBe(699);
  });

  it('keeps the options, reads time series for x = time, and follows in-progress runs', async () => {
    const runs = [run('a', { status: 'InProgress' }), run('b')];
    serveApi(server, {
      'POST /runs/compare': req => compareAnswer(req, runs),
      'GET /runs/a/metrics/loss': () => ({
        steps: [0, 1],
        values: [1, 0.5],
        timestamps: [100, 103]
      }),
      'GET /runs/b/metrics/loss': () => ({
        steps: [0, 1],
        values: [2, 1],
        timestamps: [200, 201]
      })
    });
    const model = track(
      new CompareModel({
        client,
        events: connectEvents(),
        runIds: ['a', 'b'],
        keyMetric: 'loss',
        liveDelay: 30
      })
    );
    let changes = 0;
    model.changed.connect(() => changes++);
    await model.start();
    expect(model.live).toBe(true);

    model.setSummary('min');
    model.setOnlyDiff(true);
    model.setLogScale(true);
    model.setSmoothing(0.5);
    model.setSort({ column: 'param:lr', descending: true });
    model.setScatterParam('lr');
    expect([
      model.summary,
      model.onlyDiff,
      model.logScale,
      model.smoothing,
      model.sort,
      model.scatterParam
    ]).toEqual([
      'min',
      true,
      true,
      0.5,
      { column: 'param:lr', descending: true },
      'lr'
    ]);
    expect(changes).toBeGreaterThanOrEqual(6);

    model.setXMode('time');
    await until(() => model.timeSeries !== null, 5000, 'the time series');
    expect(model.timeSeries!.map(s => [s.label, s.x])).toEqual([
      ['run-a', [0, 3]],
      ['run-b', [0, 1]]
    ]);
    model.setXMode('step');
    expect(model.timeSeries).toBeNull();

    // Events of the compared runs re-read the comparison, at most once per liveDelay.
    await settle(model);
    const reads = () => requestsTo(server, 'POST', '/runs/compare').length;
    const before = reads();
    for (let i = 0; i < 5; i++) {
      server.broadcast({
        id: i,
        time: 0,
        kind: 'run.metrics',
        payload: { run_id: 'a' }
      });
    }
    server.broadcast({
      id: 9,
      time: 0,
      kind: 'run.metrics',
      payload: { run_id: 'elsewhere' }
    });
    await until(() => reads() === before + 1, 5000, 'the live re-read');
    await pause(150);
    expect(reads()).toBe(before + 1);

    // Once no run is in progress the events no longer re-read.
    runs[0] = run('a');
    await model.reload();
    expect(model.live).toBe(false);
    const settled = reads();
    server.broadcast({
      id: 10,
      time: 0,
      kind: 'run.status',
      payload: { run_id: 'a' }
    });
    await pause(150);
    expect(reads()).toBe(settled);
  });

  it('keeps the error of a comparison that fails', async () => {
    serveApi(server, {
      'POST /runs/compare': () => ({
        status: 400,
        json: { message: "unknown run 'zz'", field: 'runs' }
      })
    });
    const model = track(new CompareModel({ client, runIds: ['zz'] }));
    await model.start();
    expect(model.error?.message).toBe("unknown run 'zz'");
    expect(model.data).toBeNull();
  });
});

describe('LaunchFormModel', () => {
  it('offers the experiments, checks the entry point, and puts server errors beside their field', async () => {
    let answer: ITestResponse = {
      status: 400,
      json: {
        message: "'max_runtime_seconds' must be greater than 0, got -3.",
        field: 'max_runtime_seconds'
      }
    };
    serveApi(server, {
      'GET /experiments': () => ({
        experiments: [{ name: 'demo' }, { name: 'cnn' }]
      }),
      'POST /jobs': () => answer
    });
    const model = track(
      new LaunchFormModel({ client, initial: { maxRuntime: '-3' } })
    );
    await model.start();
    expect(model.experiments).toEqual(['demo', 'cnn']);

    expect(await model.submit()).toBeNull();
    expect(model.errors.entry_point?.join(' ')).toContain('Choose the script');
    expect(requestsTo(server, 'POST', '/jobs')).toHaveLength(0);

    model.set('entryPoint', 'train.py');
    expect(await model.submit()).toBeNull();
    // in the form's own words: its label, not the request's field name
    expect(model.errors).toEqual({
      max_runtime_seconds: ['The max runtime must be greater than 0, got -3.']
    });
    expect(JSON.parse(requestsTo(server, 'POST', '/jobs')[0].body)).toEqual({
      entry_point: 'train.py',
      max_runtime_seconds: -3
    });
    expect(model.busy).toBe(false);

    answer = {
      status: 200,
      json: job('InProgress', { TrainingJobName: 'train-1' })
    };
    model.set('maxRuntime', '60');
    const launched = await model.submit();
    expect(launched?.TrainingJobName).toBe('train-1');
    expect(model.launched).toBe('train-1');
    expect(model.errors).toEqual({});
  });
});
