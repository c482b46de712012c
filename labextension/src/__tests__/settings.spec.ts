import { LabstudioClient } from '../api';
import { EventStream } from '../events';
import { EndpointsModel } from '../panel/endpointsModel';
import { JobsModel } from '../panel/model';
import { applySettings, DEFAULT_SETTINGS } from '../panel/settings';
import { summary } from './fixtures';
import { TestServer, until } from './server';

describe('applySettings', () => {
  let server: TestServer;
  let events: EventStream | null = null;
  let jobs: JobsModel | null = null;
  let endpoints: EndpointsModel | null = null;

  beforeEach(async () => {
    server = await TestServer.start();
  });

  afterEach(async () => {
    jobs?.dispose();
    endpoints?.dispose();
    events?.dispose();
    jobs = endpoints = events = null;
    await server.close();
  });

  it('gives a changed refresh interval to the jobs list too', async () => {
    server.handler = req =>
      req.url.startsWith('/labstudio/api/jobs')
        ? {
            status: 200,
            json: { TrainingJobSummaries: [summary('a')], NextToken: null }
          }
        : { status: 200, json: { Endpoints: [] } };
    server.acceptSockets = false; // the fallback refresh runs while the socket is down
    const client = new LabstudioClient({ serverSettings: server.settings() });
    events = new EventStream({
      url: () => client.eventsUrl(),
      minDelay: 50,
      maxDelay: 100
    });
    jobs = new JobsModel({
      client,
      events,
      fallbackInterval: 60000,
      refreshDelay: 20
    });
    endpoints = new EndpointsModel({ client, events, fallbackInterval: 60000 });
    await jobs.start();
    await endpoints.start();
    const jobRequests = () =>
      server.requests.filter(r => r.url.startsWith('/labstudio/api/jobs'))
        .length;
    const before = jobRequests();

    applySettings(
      { ...DEFAULT_SETTINGS, refreshInterval: 0.05 },
      { jobs, endpoints }
    );

    expect(jobs.fallbackInterval).toBe(50);
    // The list is re-read at the new period (it would wait a minute at the old one).
    await until(
      () => jobRequests() >= before + 3,
      10000,
      'the jobs fallback refresh'
    );
  });
});
