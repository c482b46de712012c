/**
 * The list models: `ListModel<T>` (paging, filter, coalesced re-reads, events, fallback)
 * and the Jobs section's `JobsModel` on it, one paged list of every kind of job from
 * `GET /jobs?kind=...`, against the real HTTP + WebSocket test server.
 */
import { LabstudioClient } from '../api';
import { EventStream } from '../events';
import { IPage, ListModel } from '../panel/listModel';
import { JobsModel } from '../panel/model';
import { IJobSummary, ITrainingJobSummary } from '../types';
import { summary } from './fixtures';
import { IRecordedRequest, requestsTo, TestServer, until } from './server';

function training(
  name: string,
  status: ITrainingJobSummary['TrainingJobStatus'] = 'Completed',
  overrides: Partial<ITrainingJobSummary> = {}
): IJobSummary {
  return { ...summary(name, status, overrides), Kind: 'training' };
}

function processing(
  name: string,
  status: 'InProgress' | 'Completed' = 'Completed',
  created = '2024-05-01T10:00:00+00:00'
): IJobSummary {
  return {
    Kind: 'processing',
    ProcessingJobName: name,
    ProcessingJobArn: `arn:labstudio:local:processing-job/${name}`,
    ProcessingJobStatus: status,
    CreationTime: created,
    ProcessingEndTime: status === 'InProgress' ? null : created,
    LastModifiedTime: created,
    FailureReason: null,
    ExitMessage: null
  };
}

function transform(
  name: string,
  status: 'InProgress' | 'Completed',
  done: number,
  total: number | null
): IJobSummary {
  return {
    Kind: 'transform',
    TransformJobName: name,
    TransformJobStatus: status,
    CreationTime: '2024-05-01T10:00:00+00:00',
    TransformEndTime: status === 'InProgress' ? null : '2024-05-01T10:01:00Z',
    LastModifiedTime: '2024-05-01T10:00:00+00:00',
    FailureReason: null,
    RecordsProcessed: done,
    RecordsTotal: total
  };
}

function nameOf(job: IJobSummary): string {
  return job.Kind === 'training'
    ? job.TrainingJobName
    : job.Kind === 'processing'
      ? job.ProcessingJobName
      : job.TransformJobName;
}

/**
 * A tiny in-memory `GET /jobs?kind=` on the test server: the jobs of the kinds asked
 * for (repeated `kind`), containing `name_contains`, a page of `limit` from `next_token`.
 */
function serveJobs(server: TestServer, jobs: IJobSummary[]): void {
  server.handler = (request: IRecordedRequest) => {
    const url = new URL(request.url, 'http://x');
    if (url.pathname !== '/labstudio/api/jobs') {
      return { status: 404, json: { message: 'no such job' } };
    }
    const kinds = url.searchParams.getAll('kind');
    const needle = url.searchParams.get('name_contains') ?? '';
    const limit = Number(url.searchParams.get('limit') ?? 100);
    const start = Number(url.searchParams.get('next_token') ?? 0);
    const matching = jobs.filter(
      j =>
        (kinds.length === 0 || kinds.includes(j.Kind)) &&
        nameOf(j).includes(needle)
    );
    const page = matching.slice(start, start + limit);
    const next = start + limit < matching.length ? String(start + limit) : null;
    return { status: 200, json: { JobSummaries: page, NextToken: next } };
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
    options: {
      pageSize?: number;
      fallbackInterval?: number;
      progressInterval?: number;
    } = {}
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
      progressInterval: 0,
      ...options
    });
    return model;
  }

  const names = (jobs: JobsModel) => jobs.rows().map(r => r.name);

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

  it('asks for every kind in one list and shows each row as its kind', async () => {
    serveJobs(server, [
      training('trial-003', 'Completed', { TuningJobName: 'sweep' }),
      processing('prep-a'),
      transform('score-a', 'Completed', 10, 10),
      training('train-a')
    ]);
    const jobs = create();
    await jobs.start();
    const request = new URL(server.requests[0].url, 'http://x');
    expect(request.searchParams.getAll('kind')).toEqual([
      'training',
      'processing',
      'transform'
    ]);
    expect(jobs.rows().map(r => [r.kind, r.name, r.tuningJob])).toEqual([
      ['training', 'trial-003', 'sweep'],
      ['processing', 'prep-a', null],
      ['transform', 'score-a', null],
      ['training', 'train-a', null]
    ]);
    expect(jobs.rows()[2].detail).toBe('10 / 10 records');
  });

  it('loads jobs, then follows job.created and job.status of any kind', async () => {
    const data = [
      training('old', 'Completed'),
      processing('prep', 'InProgress')
    ];
    serveJobs(server, data);
    const jobs = create();
    let changes = 0;
    jobs.changed.connect(() => changes++);
    await jobs.start();
    expect(names(jobs)).toEqual(['old', 'prep']);
    await until(() => jobs.connected, 5000, 'the events socket');
    const requestsBefore = server.requests.length;

    // A job appears: the server announces it, the model reads the list once.
    data.unshift(transform('new', 'InProgress', 0, null));
    server.broadcast({
      id: 1,
      time: 0,
      kind: 'job.created',
      payload: { name: 'new', kind: 'transform' }
    });
    await until(() => jobs.items.length === 3, 5000, 'the new job');
    expect(jobs.rows()[0]).toMatchObject({ name: 'new', kind: 'transform' });

    // A status event patches the row at once (in its kind's keys), before the list answers.
    server.handler = () => ({ status: 503, json: { message: 'busy' } });
    changes = 0;
    for (const [id, name] of [
      [2, 'old'],
      [3, 'prep']
    ] as const) {
      server.broadcast({
        id,
        time: 0,
        kind: 'job.status',
        payload: {
          name,
          status: 'Stopped',
          secondary_status: 'Stopped',
          message: 'stopped by hand'
        }
      });
    }
    await until(
      () => jobs.rows().every(r => r.name === 'new' || r.status === 'Stopped'),
      5000,
      'the statuses'
    );
    const old = jobs.items.find(j => nameOf(j) === 'old');
    expect(old?.Kind === 'training' && old.StatusMessage).toBe(
      'stopped by hand'
    );
    expect(changes).toBeGreaterThan(0);
    // No polling storm: a few re-reads for three events, not dozens.
    await new Promise(resolve => setTimeout(resolve, 200));
    expect(server.requests.length - requestsBefore).toBeLessThanOrEqual(4);
  });

  it('filters locally at once and on the server after a pause', async () => {
    serveJobs(server, [
      training('cnn-2'),
      processing('mlp-1'),
      processing('cnn-1')
    ]);
    const jobs = create();
    await jobs.start();
    jobs.setFilter('CNN');
    expect(names(jobs)).toEqual(['cnn-2', 'cnn-1']);
    jobs.setFilter('cnn');
    await until(
      () => server.requests.some(r => r.url.includes('name_contains=cnn')),
      5000,
      'the filtered request'
    );
    await until(() => jobs.items.length === 2, 5000, 'the filtered list');
  });

  it('pages through mixed kinds with the NextToken and keeps older pages on refresh', async () => {
    const data = [
      training('e'),
      processing('d'),
      transform('c', 'Completed', 1, 1),
      training('b'),
      processing('a')
    ];
    serveJobs(server, data);
    const jobs = create({ pageSize: 2 });
    await jobs.start();
    expect(names(jobs)).toEqual(['e', 'd']);
    expect(jobs.hasMore).toBe(true);
    await jobs.loadMore();
    expect(names(jobs)).toEqual(['e', 'd', 'c', 'b']);
    expect(server.requests[server.requests.length - 1].url).toContain(
      'next_token=2'
    );
    await jobs.loadMore();
    expect(names(jobs)).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(jobs.hasMore).toBe(false);

    data.unshift(training('f', 'InProgress'));
    await jobs.refresh();
    expect(names(jobs)).toEqual(['f', 'e', 'd', 'c', 'b', 'a']);
  });

  it('reads one kind from the server when the kind filter says so, from the first page', async () => {
    serveJobs(server, [
      training('t-2'),
      processing('p-2'),
      training('t-1'),
      processing('p-1'),
      processing('p-0')
    ]);
    const jobs = create({ pageSize: 2 });
    await jobs.start();
    expect(names(jobs)).toEqual(['t-2', 'p-2']);

    jobs.setKind('processing');
    await until(() => names(jobs)[0] === 'p-2', 5000, 'the processing jobs');
    expect(names(jobs)).toEqual(['p-2', 'p-1']);
    const last = new URL(
      requestsTo(server, 'GET', '/jobs').slice(-1)[0].url,
      'http://x'
    );
    expect(last.searchParams.getAll('kind')).toEqual(['processing']);
    expect(last.searchParams.get('next_token')).toBeNull();
    await jobs.loadMore();
    expect(names(jobs)).toEqual(['p-2', 'p-1', 'p-0']);
    expect(jobs.hasMore).toBe(false);
  });

  it('shows the training jobs of a server from before the list of every kind', async () => {
    server.handler = () => ({
      status: 200,
      json: { TrainingJobSummaries: [summary('train-a')], NextToken: null }
    });
    const jobs = create();
    await jobs.start();
    expect(jobs.error).toBeNull();
    expect(jobs.rows().map(r => [r.kind, r.name])).toEqual([
      ['training', 'train-a']
    ]);
  });

  it('reads the list again while a transform runs, for its records, and stops once it is done', async () => {
    let done = 0;
    server.handler = () => {
      done = Math.min(done + 4, 8);
      return {
        status: 200,
        json: {
          JobSummaries: [
            transform('score', done < 8 ? 'InProgress' : 'Completed', done, 8)
          ],
          NextToken: null
        }
      };
    };
    const jobs = create({ progressInterval: 30 });
    await jobs.start();
    await until(
      () => jobs.rows()[0]?.status === 'Completed',
      5000,
      'the transform to complete'
    );
    expect(jobs.rows()[0].detail).toBe('8 / 8 records');
    // A socket that connects late (a loaded machine) catches up with one read of its own,
    // folded into a re-read after the refresh delay: let that one happen first.
    await until(() => events?.connected === true, 5000, 'the event socket');
    await new Promise(resolve => setTimeout(resolve, 500));
    const reads = requestsTo(server, 'GET', '/jobs').length;
    await new Promise(resolve => setTimeout(resolve, 150));
    expect(requestsTo(server, 'GET', '/jobs').length).toBe(reads);
  });

  it('falls back to a slow refresh while the socket is down', async () => {
    serveJobs(server, [training('a')]);
    server.acceptSockets = false;
    const jobs = create({ fallbackInterval: 100 });
    await jobs.start();
    const count = () => requestsTo(server, 'GET', '/jobs').length;
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

/** A list over an array (its client is never used), a page at a time, that can hold an answer back. */
class Letters extends ListModel<string> {
  constructor(readonly source: string[]) {
    super({ client: new LabstudioClient(), pageSize: 2 });
  }
  /** Answers wait for this (when set) before they are read. */
  gate: Promise<void> | null = null;
  reads = 0;

  protected async readPage(token: string | null): Promise<IPage<string>> {
    this.reads++;
    const start = Number(token ?? 0);
    const page = this.source.slice(start, start + this.pageSize);
    await this.gate;
    return {
      items: page,
      nextToken:
        start + this.pageSize < this.source.length
          ? String(start + this.pageSize)
          : null
    };
  }
  protected keyOf(item: string): string {
    return item;
  }
  rename(from: string, to: string): boolean {
    return this.patch(from, () => to);
  }
}

describe('ListModel', () => {
  it('folds a burst of refreshes into at most two reads, the last one after the burst', async () => {
    const list = new Letters(['a', 'b', 'c']);
    await list.start();
    expect(list.items).toEqual(['a', 'b']);
    const before = list.reads;
    let open: () => void = () => undefined;
    list.gate = new Promise(resolve => (open = resolve));
    const burst = [list.refresh(), list.refresh(), list.refresh()];
    list.source.unshift('z');
    open();
    await Promise.all(burst);
    expect(list.reads - before).toBe(2);
    expect(list.items).toEqual(['z', 'a']);
    list.dispose();
  });

  it('keeps a page that "load more" read while the first page was read again', async () => {
    const list = new Letters(['a', 'b', 'c', 'd']);
    await list.start();
    let open: () => void = () => undefined;
    list.gate = new Promise(resolve => (open = resolve));
    const more = list.loadMore();
    list.gate = null;
    await list.refresh();
    open();
    await more;
    expect(list.items).toEqual(['a', 'b', 'c', 'd']);
    expect(list.hasMore).toBe(false);
    await list.refresh();
    expect(list.items).toEqual(['a', 'b', 'c', 'd']);
    list.dispose();
  });

  it('reads the list again in pages of the new size when the page size changes', async () => {
    const list = new Letters(['a', 'b', 'c', 'd', 'e']);
    await list.start();
    expect(list.items).toEqual(['a', 'b']);
    list.setPageSize(4);
    await until(() => list.items.length === 4, 5000, 'a page of four');
    expect(list.items).toEqual(['a', 'b', 'c', 'd']);
    expect(list.hasMore).toBe(true);
    list.dispose();
  });

  it('filters the loaded rows by name at once, patches a row, and is silent once disposed', async () => {
    const list = new Letters(['alpha', 'beta']);
    await list.start();
    let changes = 0;
    list.changed.connect(() => changes++);
    list.setFilter('ET');
    expect(list.visible()).toEqual(['beta']);
    expect(list.rename('alpha', 'alphabet')).toBe(true);
    expect(list.visible()).toEqual(['alphabet', 'beta']);
    expect(list.rename('gamma', 'delta')).toBe(false);
    expect(changes).toBe(2);
    list.dispose();
    await list.refresh();
    expect(changes).toBe(2);
  });
});
