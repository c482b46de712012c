import { LabstudioClient } from '../api';
import { EventStream, matches } from '../events';
import { ILabstudioEvent } from '../types';
import { TestServer, until } from './server';

describe('matches', () => {
  it('matches exact kinds, prefixes and *', () => {
    expect(matches('job.status', 'job.status')).toBe(true);
    expect(matches('job.*', 'job.metrics')).toBe(true);
    expect(matches('job.*', 'jobs.status')).toBe(false);
    expect(matches('*', 'endpoint.created')).toBe(true);
    expect(matches('job.status', 'job.created')).toBe(false);
  });
});

describe('EventStream', () => {
  let server: TestServer;
  let stream: EventStream | null = null;

  beforeEach(async () => {
    server = await TestServer.start();
  });

  afterEach(async () => {
    stream?.dispose();
    stream = null;
    await server.close();
  });

  function open(token = 'tok'): EventStream {
    const client = new LabstudioClient({
      serverSettings: server.settings(token)
    });
    stream = new EventStream({
      url: () => client.eventsUrl(),
      minDelay: 50,
      maxDelay: 200
    });
    stream.connect();
    return stream;
  }

  it('connects with the token and dispatches events by kind', async () => {
    const events = open();
    await until(() => events.connected, 5000, 'the socket to open');
    expect(server.socketUrls).toEqual(['/labstudio/api/events?token=tok']);

    const all: string[] = [];
    const statuses: ILabstudioEvent[] = [];
    const jobs: string[] = [];
    events.received.connect((_, e) => all.push(e.kind));
    events.on('job.status', e => statuses.push(e));
    const sub = events.on('job.*', e => jobs.push(e.kind));

    const status = {
      id: 2,
      time: 1714557600.5,
      kind: 'job.status',
      payload: {
        name: 'a',
        status: 'Completed',
        secondary_status: 'Completed',
        message: ''
      }
    };
    server.broadcast({
      id: 1,
      time: 1,
      kind: 'job.created',
      payload: { name: 'a' }
    });
    server.broadcast(status);
    server.broadcast({
      id: 3,
      time: 2,
      kind: 'endpoint.created',
      payload: { name: 'e' }
    });
    await until(() => all.length === 3, 5000, 'three events');

    expect(all).toEqual(['job.created', 'job.status', 'endpoint.created']);
    expect(statuses).toEqual([status]);
    expect(jobs).toEqual(['job.created', 'job.status']);

    sub.dispose();
    server.broadcast({
      id: 4,
      time: 3,
      kind: 'job.created',
      payload: { name: 'b' }
    });
    await until(() => all.length === 4, 5000, 'the fourth event');
    expect(jobs).toEqual(['job.created', 'job.status']);
  });

  it('ignores malformed messages', async () => {
    const events = open();
    await until(() => events.connected);
    const kinds: string[] = [];
    events.received.connect((_, e) => kinds.push(e.kind));
    const warn = jest
      .spyOn(console, 'warn')
      .mockImplementation(() => undefined);
    server.openSockets.forEach(s => s.send('not json'));
    server.broadcast({
      id: 5,
      time: 0,
      kind: 'job.created',
      payload: { name: 'x' }
    });
    await until(() => kinds.length === 1);
    expect(kinds).toEqual(['job.created']);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it('reconnects with back-off after the socket drops', async () => {
    const events = open('');
    const changes: boolean[] = [];
    events.connectionChanged.connect((_, c) => changes.push(c));
    await until(() => events.connected);

    server.dropSockets();
    await until(() => !events.connected, 5000, 'the drop to be noticed');
    await until(() => events.connected, 5000, 'the reconnection');
    expect(changes).toEqual([true, false, true]);
    expect(server.socketUrls).toEqual([
      '/labstudio/api/events',
      '/labstudio/api/events'
    ]);

    // Still delivers after reconnecting.
    const kinds: string[] = [];
    events.on('*', e => kinds.push(e.kind));
    server.broadcast({ id: 9, time: 0, kind: 'run.created', payload: {} });
    await until(() => kinds.length === 1);
    expect(kinds).toEqual(['run.created']);
  });

  it('keeps retrying while the server refuses, then connects', async () => {
    server.acceptSockets = false;
    const events = open();
    await until(() => server.socketUrls.length >= 3, 5000, 'three attempts');
    expect(events.connected).toBe(false);
    server.acceptSockets = true;
    await until(() => events.connected, 5000, 'the connection');
  });

  it('stops reconnecting once disposed', async () => {
    const events = open();
    await until(() => events.connected);
    events.dispose();
    const attempts = server.socketUrls.length;
    server.dropSockets();
    await new Promise(resolve => setTimeout(resolve, 400));
    expect(server.socketUrls.length).toBe(attempts);
    expect(events.isDisposed).toBe(true);
  });
});
