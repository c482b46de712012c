/**
 * The backend and multi-host parts of the panel, against a real HTTP test server: the
 * launch form's Backend / Instance count / torchrun controls and what they send, the
 * job detail's Hosts table, and the log view's host filter.
 */
import {
  fireEvent,
  render,
  screen,
  waitFor,
  within
} from '@testing-library/react';
import * as React from 'react';

import { LabstudioClient } from '../api';
import { IListBackendsResponse, ITrainingJobDescription } from '../types';
import { JobDetailModel } from '../views/job/jobDetailModel';
import { JobDetailView } from '../views/job/JobDetailView';
import { hostsOf, logHostsOf } from '../views/job/jobData';
import { LaunchForm } from '../views/launch/LaunchForm';
import {
  emptyForm,
  fieldOf,
  fromJob,
  instanceCountProblem,
  toRequest,
  toTuningRequest
} from '../views/launch/formModel';
import { LaunchFormModel } from '../views/launch/launchFormModel';
import { requestsTo, serveApi, TestServer } from './server';
import { ServerHarness } from './harness';

const RAY_REASON =
  'the ray backend needs a shared store: set LABSTUDIO_DB_URL to a PostgreSQL URL (the store is the SQLite file /h/labstudio.db)';

const BACKENDS: IListBackendsResponse = {
  jobs: {
    default: 'local',
    backends: [
      { name: 'local', available: true, reason: null, address: null },
      {
        name: 'ray',
        available: false,
        reason: RAY_REASON,
        address: 'ray://head:10001'
      }
    ]
  },
  endpoints: {
    default: 'local',
    backends: [{ name: 'local', available: true, reason: null, address: null }]
  }
};

function job(overrides: Record<string, unknown> = {}): ITrainingJobDescription {
  return {
    TrainingJobName: 'j',
    TrainingJobStatus: 'InProgress',
    SecondaryStatus: 'Training',
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

const TWO_HOSTS = {
  Backend: 'local',
  ResourceConfig: { InstanceType: 'local', InstanceCount: 2 },
  Hosts: [
    {
      Host: 'algo-1',
      Node: 'box 10.0.0.1',
      Status: 'Completed',
      ExitCode: 0,
      FailureReason: null
    },
    {
      Host: 'algo-2',
      Node: 'box 10.0.0.1',
      Status: 'Failed',
      ExitCode: 3,
      FailureReason: 'algo-2 exited with code 3'
    }
  ]
};

const harness = new ServerHarness();
let server: TestServer;
let client: LabstudioClient;

beforeEach(() => {
  ({ server, client } = harness);
});
const { track } = harness;

describe('the launch request', () => {
  it('sends the backend, and instance_count with torchrun only for several hosts', () => {
    const base = emptyForm({ entryPoint: 'train.py', backend: 'ray' });
    expect(toRequest(base)).toEqual({
      entry_point: 'train.py',
      backend: 'ray'
    });
    expect(toRequest({ ...base, torchDistributed: true })).toEqual({
      entry_point: 'train.py',
      backend: 'ray'
    });
    expect(
      toRequest({ ...base, instanceCount: ' 2 ', torchDistributed: true })
    ).toEqual({
      entry_point: 'train.py',
      backend: 'ray',
      instance_count: 2,
      distribution: { torch_distributed: { enabled: true } }
    });
    expect(toRequest({ ...base, backend: '', instanceCount: '3' })).toEqual({
      entry_point: 'train.py',
      instance_count: 3
    });
    const sweep = toTuningRequest({
      ...base,
      instanceCount: '2',
      hyperparameters: [
        {
          key: 'lr',
          value: '0.1',
          range: {
            type: 'Continuous',
            min: '0.01',
            max: '1',
            scaling: 'Auto',
            values: ''
          }
        }
      ],
      metricDefinitions: [{ key: 'loss', value: 'loss=([0-9.]+)' }]
    });
    expect(sweep.training).toMatchObject({ backend: 'ray', instance_count: 2 });
  });

  it('checks the instance count as the server would', () => {
    expect(instanceCountProblem('1')).toBeNull();
    expect(instanceCountProblem('64')).toBeNull();
    expect(instanceCountProblem('')).toBeNull();
    expect(instanceCountProblem('0')).toContain('between 1 and 64, got 0');
    expect(instanceCountProblem('65')).toContain('got 65');
    expect(instanceCountProblem('1.5')).toContain('got 1.5');
    expect(instanceCountProblem('two')).toContain('got two');
    expect(fieldOf('instance_count')).toBe('instance_count');
    expect(fieldOf('training.distribution')).toBe('distribution');
    expect(fieldOf('backend')).toBe('backend');
  });

  it('clones the backend and the instance count of a job', () => {
    const form = fromJob(job({ ...TWO_HOSTS, Backend: 'ray' }));
    expect(form.backend).toBe('ray');
    expect(form.instanceCount).toBe('2');
  });
});

describe('LaunchFormModel backends', () => {
  it('preselects the server default, refuses a bad instance count before sending, and sends the choice', async () => {
    serveApi(server, {
      'GET /experiments': () => ({ experiments: [] }),
      'GET /backends': () => BACKENDS,
      'POST /jobs': () => ({
        status: 201,
        json: job({ TrainingJobName: 'train-2' })
      })
    });
    const model = track(
      new LaunchFormModel({ client, initial: { entryPoint: 'train.py' } })
    );
    await model.start();
    expect(model.backends?.default).toBe('local');
    expect(model.form.backend).toBe('local');

    model.set('instanceCount', '65');
    expect(await model.submit()).toBeNull();
    expect(model.errors.instance_count?.join(' ')).toContain(
      'The instance count must be a whole number between 1 and 64'
    );
    expect(requestsTo(server, 'POST', '/jobs')).toHaveLength(0);

    model.set('instanceCount', '2');
    model.set('torchDistributed', true);
    expect((await model.submit())?.TrainingJobName).toBe('train-2');
    expect(JSON.parse(requestsTo(server, 'POST', '/jobs')[0].body)).toEqual({
      entry_point: 'train.py',
      backend: 'local',
      instance_count: 2,
      distribution: { torch_distributed: { enabled: true } }
    });
  });

  it('keeps a backend given by a clone, and offers no choice when the server has no /backends', async () => {
    serveApi(server, {
      'GET /experiments': () => ({ experiments: [] }),
      'GET /backends': () => BACKENDS
    });
    const cloned = track(
      new LaunchFormModel({ client, initial: { backend: 'ray' } })
    );
    await cloned.start();
    expect(cloned.form.backend).toBe('ray');

    serveApi(server, { 'GET /experiments': () => ({ experiments: [] }) });
    const older = track(new LaunchFormModel({ client }));
    await older.start();
    expect(older.backends).toBeNull();
    expect(older.form.backend).toBe('');
  });

  it('renders the Backend select with an unavailable backend disabled and its reason', async () => {
    serveApi(server, {
      'GET /experiments': () => ({ experiments: [] }),
      'GET /backends': () => BACKENDS
    });
    const model = track(new LaunchFormModel({ client }));
    await model.start();
    render(<LaunchForm model={model} />);
    const select = screen.getByTestId(
      'labstudio-launch-backend'
    ) as HTMLSelectElement;
    expect(select.value).toBe('local');
    const options = within(select).getAllByRole(
      'option'
    ) as HTMLOptionElement[];
    expect(options.map(o => [o.value, o.disabled])).toEqual([
      ['local', false],
      ['ray', true]
    ]);
    expect(
      screen.getByTestId('labstudio-launch-backend-reason').textContent
    ).toBe(`ray: ${RAY_REASON}`);
    const torchrun = screen.getByTestId(
      'labstudio-launch-torchrun'
    ) as HTMLInputElement;
    expect(torchrun.disabled).toBe(true);
    fireEvent.change(screen.getByTestId('labstudio-launch-instance-count'), {
      target: { value: '2' }
    });
    expect(model.form.instanceCount).toBe('2');
    expect(torchrun.disabled).toBe(false);
  });
});

describe('hosts of a job', () => {
  it('lists the hosts of a multi-host or remote job only', () => {
    expect(hostsOf(job(TWO_HOSTS)).map(h => h.Host)).toEqual([
      'algo-1',
      'algo-2'
    ]);
    const one = {
      Hosts: [TWO_HOSTS.Hosts[0]],
      ResourceConfig: { InstanceType: 'local', InstanceCount: 1 }
    };
    expect(hostsOf(job({ ...one, Backend: 'local' }))).toEqual([]);
    expect(hostsOf(job({ ...one, Backend: 'ray' })).map(h => h.Host)).toEqual([
      'algo-1'
    ]);
    expect(hostsOf(job())).toEqual([]);
    expect(logHostsOf(job(TWO_HOSTS))).toEqual(['algo-1', 'algo-2']);
    expect(logHostsOf(job({ ...one, Backend: 'ray' }))).toEqual([]);
  });

  it('shows the Hosts table and filters the log by host', async () => {
    const lines = [
      'algo-1-ab12c | epoch 1',
      'algo-2-de34f | epoch 1',
      'algo-2-de34f | boom'
    ];
    const full = lines.join('\n') + '\n';
    serveApi(server, {
      'GET /jobs/j': () => job({ ...TWO_HOSTS, TrainingJobStatus: 'Failed' }),
      'GET /jobs/j/metrics': () => ({ TrainingJobName: 'j', metrics: [] }),
      'GET /jobs/j/logs': req => {
        const host = new URL(req.url, 'http://x').searchParams.get('host');
        const text = host
          ? lines.filter(l => l.startsWith(`${host}-`)).join('\n') + '\n'
          : full;
        return { text, next_offset: full.length, complete: true };
      }
    });
    const model = track(new JobDetailModel({ client, name: 'j' }));
    await model.start();
    render(<JobDetailView model={model} />);

    const rows = screen.getAllByTestId('labstudio-job-host');
    expect(
      rows.map(r =>
        Array.from(r.querySelectorAll('td')).map(td => td.textContent)
      )
    ).toEqual([
      ['algo-1', 'box 10.0.0.1', 'Completed', '0'],
      ['algo-2', 'box 10.0.0.1', 'Failed', 'algo-2 exited with code 3']
    ]);

    await waitFor(() => expect(model.log.text).toBe(full));
    const hostSelect = screen.getByTestId(
      'labstudio-log-host'
    ) as HTMLSelectElement;
    expect(Array.from(hostSelect.options).map(o => o.textContent)).toEqual([
      'all hosts',
      'algo-1',
      'algo-2'
    ]);
    fireEvent.change(hostSelect, { target: { value: 'algo-2' } });
    await waitFor(() =>
      expect(model.log.text).toBe(
        'algo-2-de34f | epoch 1\nalgo-2-de34f | boom\n'
      )
    );
    const reads = requestsTo(server, 'GET', '/jobs/j/logs').map(r =>
      Object.fromEntries(new URL(r.url, 'http://x').searchParams)
    );
    expect(reads[reads.length - 1]).toEqual({ offset: '0', host: 'algo-2' });

    fireEvent.change(hostSelect, { target: { value: '' } });
    await waitFor(() => expect(model.log.text).toBe(full));
  });

  it('shows no Hosts table nor host filter for a single-host local job', async () => {
    serveApi(server, {
      'GET /jobs/j': () =>
        job({
          TrainingJobStatus: 'Completed',
          Backend: 'local',
          Hosts: [TWO_HOSTS.Hosts[0]]
        }),
      'GET /jobs/j/metrics': () => ({ TrainingJobName: 'j', metrics: [] }),
      'GET /jobs/j/logs': () => ({
        text: 'done\n',
        next_offset: 5,
        complete: true
      })
    });
    const model = track(new JobDetailModel({ client, name: 'j' }));
    await model.start();
    render(<JobDetailView model={model} />);
    await waitFor(() => expect(model.log.text).toBe('done\n'));
    expect(screen.queryByTestId('labstudio-job-hosts')).toBeNull();
    expect(screen.queryByTestId('labstudio-log-host')).toBeNull();
  });
});
