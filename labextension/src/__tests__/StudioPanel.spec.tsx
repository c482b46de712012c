import { waitFor } from '@testing-library/react';
import { Widget } from '@lumino/widgets';

import { LabstudioClient } from '../api';
import { EventStream } from '../events';
import { JobsModel, PANEL_ID, StudioPanel } from '../panel';
import { summary } from './fixtures';
import { TestServer } from './server';

describe('StudioPanel', () => {
  let server: TestServer;
  let panel: StudioPanel | null = null;
  let events: EventStream | null = null;

  beforeEach(async () => {
    // The panel renders through Lumino's message loop, as in JupyterLab; the tests
    // wait for the DOM (waitFor) instead of wrapping every update in act().
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = false;
    server = await TestServer.start();
  });

  afterEach(async () => {
    panel?.dispose();
    events?.dispose();
    panel = events = null;
    await server.close();
  });

  function mount(): StudioPanel {
    const client = new LabstudioClient({ serverSettings: server.settings() });
    events = new EventStream({ url: () => client.eventsUrl(), minDelay: 50 });
    const jobs = new JobsModel({ client, events, refreshDelay: 20 });
    panel = new StudioPanel(jobs);
    Widget.attach(panel, document.body);
    void jobs.start();
    return panel;
  }

  it('has the sidebar id and title', () => {
    const widget = mount();
    expect(widget.id).toBe(PANEL_ID);
    expect(widget.node.id).toBe('labstudio-panel');
    expect(widget.title.caption).toBe('Studio');
    expect(widget.title.icon).toBeTruthy();
  });

  it('says the server extension is not enabled when the API is missing', async () => {
    const widget = mount();
    await waitFor(() =>
      expect(widget.node.textContent).toContain(
        'The labstudio server extension is not enabled'
      )
    );
  });

  it('renders the jobs and updates a row from a status event', async () => {
    server.handler = () => ({
      status: 200,
      json: {
        TrainingJobSummaries: [summary('job-1', 'InProgress')],
        NextToken: null
      }
    });
    const widget = mount();
    const row = () =>
      widget.node.querySelector<HTMLElement>(
        '.labstudio-job-row[data-job-name="job-1"]'
      );
    await waitFor(() => expect(row()?.dataset.status).toBe('InProgress'));
    await waitFor(() => expect(server.openSockets).toHaveLength(1));

    server.handler = () => ({
      status: 200,
      json: {
        TrainingJobSummaries: [summary('job-1', 'Completed')],
        NextToken: null
      }
    });
    server.broadcast({
      id: 7,
      time: 0,
      kind: 'job.status',
      payload: {
        name: 'job-1',
        status: 'Completed',
        secondary_status: 'Completed',
        message: ''
      }
    });
    await waitFor(() => expect(row()?.dataset.status).toBe('Completed'));
  });
});
