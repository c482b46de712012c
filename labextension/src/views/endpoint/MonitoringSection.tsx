/**
 * An endpoint's Model Monitor: its schedules, the violations each run found over time, its
 * runs, the latest finished run's violations, and each feature's distribution in the baseline
 * next to the latest run's traffic.
 */
import * as React from 'react';

import { IMonitoringExecutionSummary } from '../../types';
import { StatusDot } from '../common/common';
import { formatTime } from '../format';
import { IEndpointMonitoring } from './endpointModel';
import {
  IBar,
  featureDistributions,
  violationCount,
  violationsOf
} from './monitoring';

const BAR_WIDTH = 8;
const CHART_HEIGHT = 36;

/** A small bar chart (inline SVG), each bar titled with its label and count. */
function Bars(props: { bars: IBar[]; testId?: string }): JSX.Element {
  const top = Math.max(1, ...props.bars.map(b => b.count));
  const width = Math.max(1, props.bars.length) * (BAR_WIDTH + 2);
  return (
    <svg
      className="labstudio-monitor-bars"
      width={width}
      height={CHART_HEIGHT}
      data-testid={props.testId}
      role="img"
    >
      {props.bars.map((bar, i) => {
        const h = Math.max(1, (bar.count / top) * (CHART_HEIGHT - 2));
        return (
          <rect
            key={i}
            x={i * (BAR_WIDTH + 2)}
            y={CHART_HEIGHT - h}
            width={BAR_WIDTH}
            height={h}
          >
            <title>{`${bar.label}: ${bar.count}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}

/** Violations per finished run, oldest first: drift over time at a glance. */
function DriftOverTime(props: {
  runs: IMonitoringExecutionSummary[];
}): JSX.Element | null {
  const bars = [...props.runs]
    .reverse()
    .map(run => ({
      label: formatTime(run.ScheduledTime),
      count: violationCount(run.ExitMessage) ?? -1
    }))
    .filter(b => b.count >= 0);
  if (!bars.length) {
    return null;
  }
  return (
    <div className="labstudio-toolbar">
      <span className="labstudio-hint">violations per run</span>
      <Bars bars={bars} testId="labstudio-monitor-drift" />
    </div>
  );
}

export function MonitoringSection(props: {
  monitoring: IEndpointMonitoring | null;
}): JSX.Element {
  const m = props.monitoring;
  if (!m || (!m.schedules.length && !m.executions.length)) {
    return (
      <div className="labstudio-hint" data-testid="labstudio-monitor-none">
        No monitoring schedule. Create one with DefaultModelMonitor (or
        `labstudio monitor schedule`) on an endpoint that captures its traffic.
      </div>
    );
  }
  const report = m.report;
  const violations = violationsOf(report?.ConstraintViolations);
  const current = featureDistributions(report?.Statistics);
  const baseline = new Map(
    featureDistributions(report?.BaselineStatistics).map(f => [f.name, f])
  );
  const flagged = new Set(violations.map(v => v.feature));
  return (
    <div data-testid="labstudio-endpoint-monitoring">
      <table className="labstudio-kv">
        <thead>
          <tr>
            <th>Schedule</th>
            <th>Type</th>
            <th>Status</th>
            <th>Next run</th>
          </tr>
        </thead>
        <tbody>
          {m.schedules.map(s => (
            <tr
              key={s.MonitoringScheduleName}
              data-schedule={s.MonitoringScheduleName}
            >
              <td>{s.MonitoringScheduleName}</td>
              <td>{s.MonitoringType}</td>
              <td>
                <StatusDot status={s.MonitoringScheduleStatus} />{' '}
                {s.MonitoringScheduleStatus}
              </td>
              <td>{s.NextRunTime ? formatTime(s.NextRunTime) : '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <DriftOverTime
        runs={m.executions.filter(
          r => r.ExitMessage !== null && r.ExitMessage !== undefined
        )}
      />
      <table className="labstudio-kv" data-testid="labstudio-monitor-runs">
        <thead>
          <tr>
            <th>Scheduled</th>
            <th>Schedule</th>
            <th>Status</th>
            <th>Job</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {m.executions.slice(0, 10).map(run => (
            <tr
              key={run.ProcessingJobName ?? run.ScheduledTime}
              data-status={run.MonitoringExecutionStatus}
            >
              <td>{formatTime(run.ScheduledTime)}</td>
              <td>{run.MonitoringScheduleName}</td>
              <td>
                <StatusDot status={run.MonitoringExecutionStatus} />{' '}
                {run.MonitoringExecutionStatus}
              </td>
              <td>
                <code>{run.ProcessingJobName}</code>
              </td>
              <td>{run.FailureReason ?? run.ExitMessage ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {report && (
        <>
          <h4>
            Latest run {report.Summary.ProcessingJobName}:{' '}
            {violations.length
              ? `${violations.length} violation${violations.length === 1 ? '' : 's'}`
              : 'no violations'}
          </h4>
          {violations.length > 0 && (
            <table
              className="labstudio-kv"
              data-testid="labstudio-monitor-violations"
            >
              <thead>
                <tr>
                  <th>Feature</th>
                  <th>Check</th>
                  <th>Description</th>
                </tr>
              </thead>
              <tbody>
                {violations.map((v, i) => (
                  <tr key={i} data-check={v.check}>
                    <td>{v.feature}</td>
                    <td>{v.check}</td>
                    <td>{v.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {current.length > 0 && (
            <table
              className="labstudio-kv"
              data-testid="labstudio-monitor-distributions"
            >
              <thead>
                <tr>
                  <th>Feature</th>
                  <th>Baseline</th>
                  <th>Latest run</th>
                </tr>
              </thead>
              <tbody>
                {current.map(f => {
                  const base = baseline.get(f.name);
                  return (
                    <tr
                      key={f.name}
                      data-feature={f.name}
                      data-flagged={flagged.has(f.name)}
                    >
                      <td>
                        {f.name}{' '}
                        <span className="labstudio-hint">{f.type}</span>
                      </td>
                      <td>
                        {base ? (
                          <>
                            <Bars bars={base.bars} />{' '}
                            <span className="labstudio-hint">
                              {base.summary}
                            </span>
                          </>
                        ) : (
                          '–'
                        )}
                      </td>
                      <td>
                        <Bars bars={f.bars} />{' '}
                        <span className="labstudio-hint">{f.summary}</span>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  );
}
