import { LabstudioClient } from '../api';
import { EventStream } from '../events';
import { JobsModel } from '../panel/model';
import { ITrainingJobSummary } from '../types';
import { summary } from './fixtures';
import { IRecordedRequest, TestServer, until } from './server';

/** A tiny in-memory labstudio jobs API on the test server. */
function serveJobs(server: TestServer, jobs: ITrainingJobSummary[]): void {
  server.handler = (request: IRecordedRequest) => {
    const url = new URL(request.url, 'http://x');
    if (url.pathname !== '/labstudio/api/jobs') {
      return { status: 404, json: { message: 'no such job' } };
    }
    const needle = url.searchParams.get('name_contains') ?? '';
    const limit = Number(url.searchParams.get('limit') ?? 100);
    const start = Number(url.searchParams.get('next_token') ?? 0);
    const matching = jobs.filter(j => j.TrainingJobName.includes(needle));
    const page = matching.slice(start, start + limit);
    const next = start + limit < matching.length ? String(start + limit) : null;
    return {
      status: 200,
      json: { TrainingJobSummaries: page, NextToken: next }
    };
  };
}

describe('JobsModel', () => {
  let server: TestServer;
  let model: JobsModel | null = null;
  let events: EventStream | null = null;

  beforeEach(async () => {
    server = await TestServer.start();
  });

  afterEach(async () => {
    model?.dispose();
    events?.dispose();
    model = events = null;
    await server.close();
  });

  function create(
    options: { pageSize?: number; fallbackInterval?: number } = {}
  ) {
    const client = new LabstudioClient({ serverSettings: server.settings() });
    events = new EventStream({
      url: () => client.eventsUrl(),
      minDelay: 50,
      maxDelay: 100
    });
    model = new JobsModel({
      client,
      events,
      refreshDelay: 20,
      filterDelay: 20,
      ...options
    });
    return model;
  }

  it('shows the extension-missing error and opens no socket on a bare 404', async () => {
    const jobs = create();
    await jobs.start();
    expect(jobs.error?.extensionMissing).toBe(true);
    expect(jobs.error?.message).toBe(
      'The labstudio server extension is not enabled'
    );
    expect(jobs.loaded).toBe(true);
    await new Promise(resolve => setTimeout(resolve, 100));
    expect(server.socketUrls).toEqual([]);
  });

  it('loads jobs, then follows job.created and job.status events', async () => {
    const data = [summary('old', 'Completed')];
    serveJobs(server, data);
    const jobs = create();
    let changes = 0;
    jobs.changed.connect(() => changes++);
    await jobs.start();
    expect(jobs.jobs.map(j => j.TrainingJobName)).toEqual(['old']);
    await until(() => jobs.connected, 5000, 'the events socket');
    const requestsBefore = server.requests.length;

    // A job appears: the server announces it, the model refreshes the list once.
    data.unshift(summary('new', 'InProgress'));
    server.broadcast({
      id: 1,
      time: 0,
      kind: 'job.created',
      payload: { name: 'new' }
    });
    await until(() => jobs.jobs.length === 2, 5000, 'the new job');
    expect(jobs.jobs[0]).toMatchObject({
      TrainingJobName: 'new',
      TrainingJobStatus: 'InProgress'
    });

    // A status event patches the row at once, before the list answers.
    server.handler = () => ({ status: 503, json: { message: 'busy' } });
    changes = 0;
    server.broadcast({
      id: 2,
      time: 0,
      kind: 'job.status',
      payload: {
        name: 'new',
        status: 'Completed',
        secondary_status: 'Completed',
        message: 'done'
      }
    });
    await until(
      () => jobs.jobs[0].TrainingJobStatus === 'Completed',
      5000,
      'the status'
    );
    expect(jobs.jobs[0].StatusMessage).toBe('done');
    expect(changes).toBeGreaterThan(0);
    // No polling storm: a couple of refreshes for two events, not dozens.
    await new Promise(resolve => setTimeout(resolve, 200));
    expect(server.requests.length - requestsBefore).toBeLessThanOrEqual(3);
  });

  it('filters locally at once and on the server after a pause', async () => {
    const data = [summary('cnn-2'), summary('mlp-1'), summary('cnn-1')];
    serveJobs(server, data);
    const jobs = create();
    await jobs.start();
    jobs.setFilter('CNN');
    expect(jobs.visibleJobs().map(j => j.TrainingJobName)).toEqual([
      'cnn-2',
      'cnn-1'
    ]);
    jobs.setFilter('cnn');
    await until(
      () => server.requests.some(r => r.url.includes('name_contains=cnn')),
      5000,
      'the filtered request'
    );
    await until(() => jobs.jobs.length === 2, 5000, 'the filtered list');
  });

  it('pages with the NextToken and keeps older pages on refresh', async () => {
    const data = ['e', 'd', 'c', 'b', 'a'].map((n, i) =>
      summary(n, 'Completed', {
        CreationTime: `2024-05-01T10:0${9 - i}:00+00:00`
      })
    );
    serveJobs(server, data);
    const jobs = create({ pageSize: 2 });
    await jobs.start();
    expect(jobs.jobs.map(j => j.TrainingJobName)).toEqual(['e', 'd']);
    expect(jobs.hasMore).toBe(true);
    await jobs.loadMore();
    expect(jobs.jobs.map(j => j.TrainingJobName)).toEqual(['e', 'd', 'c', 'b']);
    expect(server.requests[server.requests.length - 1].url).toContain(
      'next_token=2'
    );

    data.unshift(
      summary('f', 'InProgress', { CreationTime: '2024-05-01T10:10:00+00:00' })
    );
    await jobs.refresh();
    expect(jobs.jobs.map(j => j.TrainingJobName)).toEqual([
      'f',
      'e',
      'd',
      'c',
      'b'
    ]);
  });

  it('falls back to a slow refresh while the socket is down', async () => {
    serveJobs(server, [summary('a')]);
    server.acceptSockets = false;
    const jobs = create({ fallbackInterval: 100 });
    await jobs.start();
    const count = () =>
      server.requests.filter(r => r.url.startsWith('/labstudio/api/jobs'))
        .length;
    const first = count();
    await new Promise(resolve => setTimeout(resolve, 450));
    const polled = count() - first;
    expect(polled).toBeGreaterThanOrEqual(2);
    expect(polled).toBeLessThanOrEqual(6);

    // Once the socket is up the fallback stops.
    server.acceptSockets = true;
    await until(() => jobs.connected, 5000, 'the socket');
    await new Promise(resolve => setTimeout(resolve, 100));
    const settled = count();
    await new Promise(resolve => setTimeout(resolve, 350));
    expect(count()).toBe(settled);
  });
});
