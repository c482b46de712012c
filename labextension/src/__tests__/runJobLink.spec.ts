/**
 * A run's link to its job carries the job's kind: a processing job's run opens the
 * processing view (the training-jobs API answers 404 for it), and its tooltip says so.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Widget } from '@lumino/widgets';

import { LabstudioClient } from '../api';
import { DEFAULT_SETTINGS } from '../panel/settings';
import { jobLine } from '../views/ExperimentsView';
import { jobOfRun } from '../views/jobKinds';
import { MainViews } from '../widgets';
import { requestsTo, serveApi, TestServer, until } from './server';
import { run } from './studioFixtures';

describe('the job a run belongs to', () => {
  it('keeps the kind of job the run came from', () => {
    const training = run('a', {
      source_type: 'TrainingJob',
      source_name: 'fit-1'
    });
    const processing = run('b', {
      source_type: 'ProcessingJob',
      source_name: 'prep-1'
    });
    expect(jobOfRun(training)).toEqual({ kind: 'training', name: 'fit-1' });
    expect(jobOfRun(processing)).toEqual({
      kind: 'processing',
      name: 'prep-1'
    });
    expect(
      jobOfRun(run('c', { source_type: 'TransformJob', source_name: 't-1' }))
    ).toEqual({
      kind: 'transform',
      name: 't-1'
    });
  });

  it('is none for a script run', () => {
    expect(jobOfRun(run('d'))).toBeNull();
    expect(
      jobOfRun(run('e', { source_type: 'TrainingJob', source_name: null }))
    ).toBeNull();
    expect(jobLine(run('d'))).toBe('');
  });

  it('names the kind in the run row tooltip', () => {
    expect(
      jobLine(run('a', { source_type: 'TrainingJob', source_name: 'fit-1' }))
    ).toBe('\nTraining job fit-1');
    expect(
      jobLine(run('b', { source_type: 'ProcessingJob', source_name: 'prep-1' }))
    ).toBe('\nProcessing job prep-1');
  });
});

describe('MainViews.openRunJob', () => {
  let server: TestServer;
  let views: MainViews;
  const opened: Widget[] = [];

  beforeEach(async () => {
    server = await TestServer.start();
    const client = new LabstudioClient({ serverSettings: server.settings() });
    const shell = {
      add: (widget: Widget) => void opened.push(widget),
      activateById: () => undefined
    };
    const app = { shell, commands: { execute: async () => undefined } };
    views = new MainViews(
      app as unknown as JupyterFrontEnd,
      client,
      null,
      () => DEFAULT_SETTINGS
    );
  });

  afterEach(async () => {
    opened.splice(0).forEach(w => w.dispose());
    await server.close();
  });

  it("opens a processing job's run in the processing view, a training job's in the job view", async () => {
    serveApi(server, {});
    views.openRunJob(
      run('b', { source_type: 'ProcessingJob', source_name: 'prep-1' })
    );
    views.openRunJob(
      run('a', { source_type: 'TrainingJob', source_name: 'fit-1' })
    );
    await until(
      () =>
        requestsTo(server, 'GET', '/processing-jobs/prep-1').length > 0 &&
        requestsTo(server, 'GET', '/jobs/fit-1').length > 0,
      5000,
      'each job described in its own collection'
    );
    expect(requestsTo(server, 'GET', '/jobs/prep-1')).toHaveLength(0);
    expect(opened.map(w => w.title.label)).toEqual(['prep-1', 'fit-1']);
    expect(opened[0].id).toMatch(/^labstudio-processing-prep-1-/);
    expect(opened[1].id).toMatch(/^labstudio-job-fit-1-/);
  });

  it("opens a run's own page, titled with its name, from which its job opens", async () => {
    serveApi(server, {});
    const fit = run('a', { source_type: 'TrainingJob', source_name: 'fit-1' });
    views.openRun(fit);
    views.openRun(fit); // the same run: the same page
    await until(
      () => requestsTo(server, 'GET', '/runs/a').length > 0,
      5000,
      'the run read for its page'
    );
    expect(opened).toHaveLength(1);
    expect(opened[0].id).toMatch(/^labstudio-run-a-/);
    expect(opened[0].title.label).toBe(fit.name);
  });
});
