import { fireEvent, render, screen, within } from '@testing-library/react';
import * as React from 'react';

import { ServerExtensionMissingError } from '../api';
import { ITrainingJobSummary } from '../types';
import { JobsView } from '../views/JobsView';
import { formatDuration } from '../views/format';
import { trainingRow } from '../views/jobKinds';
import { summary } from './fixtures';

const NOW = Date.parse('2024-05-01T10:05:01+00:00');
const now = () => NOW;

function rows(container: HTMLElement): HTMLElement[] {
  return Array.from(
    container.querySelectorAll<HTMLElement>('.labstudio-job-row')
  );
}

/** The view with these training jobs as its rows (and any other props). */
function view(
  props: Partial<React.ComponentProps<typeof JobsView>> & {
    jobs?: ITrainingJobSummary[];
  } = {}
) {
  const onFilterChange = jest.fn();
  const { jobs = [], ...rest } = props;
  const result = render(
    <JobsView
      rows={jobs.map(trainingRow)}
      filter=""
      onFilterChange={onFilterChange}
      now={now}
      {...rest}
    />
  );
  return { ...result, onFilterChange };
}

describe('JobsView', () => {
  const jobs: ITrainingJobSummary[] = [
    summary('train-running', 'InProgress', { SecondaryStatus: 'Training' }),
    summary('train-done', 'Completed', {
      StatusMessage: 'Training job completed'
    }),
    summary('train-broken', 'Failed', {
      SecondaryStatus: 'Failed',
      FailureReason: 'AlgorithmError: exit code 1'
    })
  ];

  it('renders one row per job with name, status and secondary status', () => {
    const { container } = view({ jobs, connected: true });
    const list = rows(container);
    expect(list.map(r => r.dataset.jobName)).toEqual([
      'train-running',
      'train-done',
      'train-broken'
    ]);
    expect(list.map(r => r.dataset.status)).toEqual([
      'InProgress',
      'Completed',
      'Failed'
    ]);
    const running = within(list[0]);
    expect(running.getByText('train-running')).toBeTruthy();
    expect(running.getByTestId('labstudio-status-badge').textContent).toBe(
      'In progress'
    );
    expect(running.getByTestId('labstudio-job-now').textContent).toBe(
      'Training'
    );
    // A secondary status that repeats the badge gives way to the status message.
    expect(within(list[1]).getByTestId('labstudio-job-now').textContent).toBe(
      'Training job completed'
    );
    const broken = within(list[2]);
    expect(broken.getByTestId('labstudio-status-badge').className).toContain(
      'labstudio-status-failed'
    );
    expect(broken.getByTestId('labstudio-job-now').textContent).toBe(
      'AlgorithmError: exit code 1'
    );
    expect(screen.getByTestId('labstudio-connection').dataset.connected).toBe(
      'true'
    );
  });

  it('shows durations: to the end time when done, to now while running', () => {
    const { container } = view({ jobs });
    const durations = rows(container).map(
      r => within(r).getByTestId('labstudio-job-duration').textContent
    );
    // running: 10:00:01 → 10:05:01; done: 10:00:01 → 10:03:06
    expect(durations).toEqual(['5m 00s', '3m 05s', '3m 05s']);
  });

  it('tells a newcomer what to do when there are no jobs', () => {
    view({ jobs: [] });
    const empty = screen.getByTestId('labstudio-empty');
    expect(empty.textContent).toContain('No training jobs yet.');
    expect(empty.textContent).toContain('labstudio train script.py');
    expect(empty.textContent).toContain('%train');
  });

  it('says "loading" rather than "empty" before the first answer', () => {
    view({ jobs: [], loaded: false, loading: true });
    expect(screen.getByTestId('labstudio-loading')).toBeTruthy();
    expect(screen.queryByTestId('labstudio-empty')).toBeNull();
  });

  it('explains an empty search', () => {
    view({ jobs: [], filter: 'zzz' });
    expect(screen.getByTestId('labstudio-empty').textContent).toContain('zzz');
    expect(screen.getByTestId('labstudio-empty').textContent).not.toContain(
      'No training jobs yet'
    );
  });

  it('reports typing in the search box', () => {
    const { onFilterChange } = view({ jobs });
    fireEvent.change(screen.getByTestId('labstudio-job-search'), {
      target: { value: 'done' }
    });
    expect(onFilterChange).toHaveBeenCalledWith('done');
  });

  it('shows the missing server extension instead of a blank panel', () => {
    view({ jobs: [], error: new ServerExtensionMissingError() });
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain(
      'The labstudio server extension is not enabled'
    );
    expect(alert.textContent).toContain(
      'jupyter server extension enable labstudio'
    );
    expect(screen.queryByTestId('labstudio-empty')).toBeNull();
  });

  it('keeps the list visible when a background refresh fails', () => {
    const { container } = view({ jobs, error: { message: 'busy' } });
    expect(screen.getByRole('alert').textContent).toContain('busy');
    expect(rows(container)).toHaveLength(3);
  });

  it('offers "load more" and refresh', () => {
    const onLoadMore = jest.fn();
    const onRefresh = jest.fn();
    view({ jobs, hasMore: true, onLoadMore, onRefresh });
    fireEvent.click(screen.getByTestId('labstudio-load-more'));
    fireEvent.click(screen.getByTestId('labstudio-refresh'));
    expect(onLoadMore).toHaveBeenCalledTimes(1);
    expect(onRefresh).toHaveBeenCalledTimes(1);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0.0s'],
    [3_450, '3.4s'],
    [59_999, '59.9s'],
    [60_000, '1m 00s'],
    [3_725_000, '1h 02m'],
    [90_000_000, '1d 01h'],
    [-1, '–']
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
