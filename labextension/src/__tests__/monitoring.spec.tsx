/**
 * Model Monitor in the endpoint view: the reports read at run time (statistics.json,
 * constraint_violations.json), the endpoint model's reads against the real HTTP test server
 * (schedules, runs, the latest finished run's reports; a new run with violations announced
 * once), and the Monitoring section rendering them.
 */
import { render } from '@testing-library/react';
import * as React from 'react';

import { LabstudioClient } from '../api';
import { IMonitoringExecutionSummary } from '../types';
import { EndpointModel } from '../views/endpoint/endpointModel';
import { MonitoringSection } from '../views/endpoint/MonitoringSection';
import {
  featureDistributions,
  violationCount,
  violationsOf
} from '../views/endpoint/monitoring';
import { IRecordedRequest, TestServer } from './server';

const STATS = {
  version: 0,
  dataset: { item_count: 3 },
  features: [
    {
      name: 'x1',
      inferred_type: 'Fractional',
      numerical_statistics: {
        common: { num_present: 3, num_missing: 0 },
        mean: 1.5,
        std_dev: 0.5,
        distribution: {
          kll: {
            buckets: [
              { lower_bound: 1, upper_bound: 1.5, count: 2 },
              { lower_bound: 1.5, upper_bound: 2, count: 1 }
            ]
          }
        }
      }
    },
    {
      name: 'color',
      inferred_type: 'String',
      string_statistics: {
        distinct_count: 2,
        distribution: {
          categorical: {
            buckets: [
              { value: 'red', count: 2 },
              { value: 'green', count: 1 }
            ]
          }
        }
      }
    },
    'not a feature'
  ]
};

const VIOLATIONS = {
  violations: [
    {
      feature_name: 'x1',
      constraint_check_type: 'baseline_drift_check',
      description: 'Baseline drift distance: 0.9 exceeds threshold: 0.1'
    },
    {
      metric_name: 'mae',
      constraint_check_type: 'GreaterThanThreshold',
      description: 'Metric mae ...'
    }
  ]
};

function run(
  job: string,
  status: string,
  message: string | null
): IMonitoringExecutionSummary {
  return {
    MonitoringScheduleName: 'hourly',
    ScheduledTime: '2026-12-08T01:00:00.000Z',
    CreationTime: '2026-12-08T01:00:00.000Z',
    LastModifiedTime: '2026-12-08T01:00:05.000Z',
    MonitoringExecutionStatus:
      status as IMonitoringExecutionSummary['MonitoringExecutionStatus'],
    ProcessingJobName: job,
    ExitMessage: message,
    EndpointName: 'ep'
  };
}

describe('Model Monitor reports', () => {
  it('reads features, violations and violation counts without trusting their shape', () => {
    const features = featureDistributions(STATS);
    expect(features.map(f => [f.name, f.type, f.bars.length])).toEqual([
      ['x1', 'Fractional', 2],
      ['color', 'String', 2]
    ]);
    expect(features[0].summary).toBe('mean 1.5 ± 0.5');
    expect(features[1].bars[0]).toEqual({ label: 'red', count: 2 });
    expect(featureDistributions(null)).toEqual([]);
    expect(featureDistributions({ features: 'nope' })).toEqual([]);
    expect(violationsOf(VIOLATIONS).map(v => [v.feature, v.check])).toEqual([
      ['x1', 'baseline_drift_check'],
      ['mae', 'GreaterThanThreshold']
    ]);
    expect(
      violationCount(
        'CompletedWithViolations: Job completed successfully with 7 violations.'
      )
    ).toBe(7);
    expect(
      violationCount(
        'Completed: Job completed successfully with no violations.'
      )
    ).toBe(0);
    expect(violationCount(null)).toBeNull();
  });
});

describe('EndpointModel monitoring', () => {
  let server: TestServer;
  let client: LabstudioClient;

  beforeEach(async () => {
    server = await TestServer.start();
    client = new LabstudioClient({ serverSettings: server.settings() });
  });
  afterEach(async () => {
    await server.close();
  });

  it('reads schedules, runs and the latest reports, and announces a new run with violations once', async () => {
    let runs = [
      run(
        'hourly-1',
        'Completed',
        'Completed: Job completed successfully with no violations.'
      )
    ];
    const reports: string[] = [];
    server.handler = (req: IRecordedRequest) => {
      const url = new URL(req.url, 'http://x');
      const path = url.pathname.replace('/labstudio/api', '');
      if (path === '/endpoints/ep') {
        return {
          status: 200,
          json: {
            EndpointName: 'ep',
            EndpointStatus: 'InService',
            ProductionVariants: []
          }
        };
      }
      if (path === '/endpoints/ep/logs') {
        return { status: 200, json: { Log: '' } };
      }
      if (path === '/monitoring-schedules') {
        expect(url.searchParams.get('endpoint_name')).toBe('ep');
        return {
          status: 200,
          json: {
            MonitoringScheduleSummaries: [
              {
                MonitoringScheduleName: 'hourly',
                MonitoringScheduleArn: 'arn',
                CreationTime: '2026-12-08T00:00:00.000Z',
                LastModifiedTime: '2026-12-08T00:00:00.000Z',
                MonitoringScheduleStatus: 'Scheduled',
                EndpointName: 'ep',
                MonitoringType: 'DataQuality',
                NextRunTime: '2026-12-08T02:00:00.000Z'
              }
            ]
          }
        };
      }
      if (path === '/monitoring-executions') {
        return { status: 200, json: { MonitoringExecutionSummaries: runs } };
      }
      if (path.startsWith('/monitoring-executions/')) {
        const job = path.split('/').pop()!;
        reports.push(job);
        return {
          status: 200,
          json: {
            Summary: runs.find(r => r.ProcessingJobName === job),
            Statistics: STATS,
            ConstraintViolations:
              job === 'hourly-2' ? VIOLATIONS : { violations: [] },
            BaselineStatistics: STATS
          }
        };
      }
      return { status: 404, json: { message: 'no' } };
    };
    const model = new EndpointModel({ client, name: 'ep', interval: 0 });
    const announced: string[] = [];
    model.violationsFound.connect((_, r) =>
      announced.push(r.ProcessingJobName ?? '')
    );
    await model.start();
    expect(
      model.monitoring?.schedules.map(s => s.MonitoringScheduleName)
    ).toEqual(['hourly']);
    expect(model.monitoring?.report?.Summary.ProcessingJobName).toBe(
      'hourly-1'
    );
    expect(announced).toEqual([]);

    runs = [
      run(
        'hourly-2',
        'CompletedWithViolations',
        'CompletedWithViolations: Job completed successfully with 2 violations.'
      ),
      ...runs
    ];
    await model.refresh();
    await model.refresh();
    expect(announced).toEqual(['hourly-2']);
    expect(reports).toEqual(['hourly-1', 'hourly-2']);
    expect(model.monitoring?.report?.Summary.ProcessingJobName).toBe(
      'hourly-2'
    );

    const view = render(<MonitoringSection monitoring={model.monitoring} />);
    expect(
      view
        .getByTestId('labstudio-monitor-violations')
        .querySelectorAll('tbody tr')
    ).toHaveLength(2);
    const rows = view
      .getByTestId('labstudio-monitor-distributions')
      .querySelectorAll('tbody tr');
    expect(Array.from(rows).map(r => r.getAttribute('data-feature'))).toEqual([
      'x1',
      'color'
    ]);
    expect(rows[0].getAttribute('data-flagged')).toBe('true');
    expect(rows[0].querySelectorAll('svg')).toHaveLength(2);
    expect(
      view.getByTestId('labstudio-monitor-drift').querySelectorAll('rect')
    ).toHaveLength(2);
    model.dispose();
  });

  it('says so when the endpoint has no schedule', () => {
    const view = render(
      <MonitoringSection
        monitoring={{ schedules: [], executions: [], report: null }}
      />
    );
    expect(view.getByTestId('labstudio-monitor-none').textContent).toContain(
      'No monitoring schedule'
    );
  });
});
