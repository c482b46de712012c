/**
 * The endpoint page's type rows (async backlog, serverless workers and cold starts) and a
 * guarded update's progress (split per step, alarm values, a rollback with its reason).
 */
import { render, screen } from '@testing-library/react';
import * as React from 'react';

import { IEndpointDescription } from '../types';
import {
  DeploymentSection,
  InferenceTypeRows
} from '../views/endpoint/InferenceSections';

function describe_(overrides: Record<string, unknown>): IEndpointDescription {
  return {
    EndpointName: 'ep',
    EndpointStatus: 'InService',
    FailureReason: null,
    EndpointUrl: 'http://127.0.0.1:1',
    CreationTime: '2026-01-01T00:00:00.000Z',
    LastModifiedTime: '2026-01-01T00:00:00.000Z',
    VariantNames: ['AllTraffic'],
    InvocationsUrl: null,
    AuthType: 'None',
    ProductionVariants: [],
    ...overrides
  } as unknown as IEndpointDescription;
}

function rows(endpoint: IEndpointDescription): void {
  render(
    <table>
      <tbody>
        <InferenceTypeRows endpoint={endpoint} />
      </tbody>
    </table>
  );
}

describe('InferenceTypeRows', () => {
  it('shows an asynchronous endpoint with its backlog', () => {
    rows(
      describe_({
        EndpointType: 'Async',
        ApproximateBacklogSize: 7,
        AsyncInferenceConfig: {
          OutputConfig: { S3OutputPath: 'file:///results' }
        }
      })
    );
    expect(screen.getByTestId('labstudio-endpoint-type').textContent).toBe(
      'asynchronous'
    );
    expect(
      screen.getByTestId('labstudio-endpoint-backlog').textContent
    ).toContain('7 waiting or running');
  });

  it('shows a serverless variant idle, with its cold starts', () => {
    rows(
      describe_({
        EndpointType: 'Serverless',
        ProductionVariants: [
          {
            VariantName: 'AllTraffic',
            CurrentInstanceCount: 0,
            CurrentServerlessConfig: {
              MemorySizeInMB: 2048,
              MaxConcurrency: 5
            },
            ServerlessMetrics: {
              ColdStarts: 3,
              LastColdStartMs: 412.5,
              ColdStartAverageMs: 400,
              Throttles: 2
            }
          }
        ]
      })
    );
    const text = screen.getByTestId(
      'labstudio-endpoint-serverless'
    ).textContent;
    expect(text).toContain('0 worker(s) now');
    expect(text).toContain('2048 MB');
    expect(text).toContain('3 cold start(s) (last 412.5 ms)');
    expect(text).toContain('2 throttled');
  });

  it('says real-time by default', () => {
    rows(describe_({}));
    expect(screen.getByTestId('labstudio-endpoint-type').textContent).toBe(
      'real-time'
    );
  });
});

describe('DeploymentSection', () => {
  it('is absent without a guarded update', () => {
    const { container } = render(
      <DeploymentSection endpoint={describe_({})} />
    );
    expect(container.textContent).toBe('');
  });

  it('shows a rolled back canary with the alarm that tripped', () => {
    render(
      <DeploymentSection
        endpoint={describe_({
          DeploymentProgress: {
            Status: 'RolledBack',
            Type: 'CANARY',
            Plan: [10, 100],
            Reason: "alarm 'ep-5xx' went into ALARM",
            Steps: [
              { Time: 1767225600, NewShare: 10, Event: 'Shifted' },
              {
                Time: 1767225602,
                NewShare: 10,
                Event: 'AlarmTripped',
                Alarms: { 'ep-5xx': { State: 'ALARM', Value: 3 } }
              },
              {
                Time: 1767225603,
                NewShare: 0,
                Event: 'RolledBack',
                Reason: "alarm 'ep-5xx' went into ALARM"
              }
            ]
          }
        })}
      />
    );
    const section = screen.getByTestId('labstudio-endpoint-deployment');
    expect(section.getAttribute('data-status')).toBe('RolledBack');
    expect(section.textContent).toContain('CANARY (10 % → 100 %)');
    expect(section.textContent).toContain('ep-5xx: ALARM (3)');
    expect(section.textContent).toContain(
      "Rolled back: alarm 'ep-5xx' went into ALARM"
    );
  });
});
