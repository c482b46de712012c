/** Sample runs, experiments and endpoints for the Studio tests. */
import { IExperiment, IRun } from '../types';

export function experiment(
  name: string,
  overrides: Partial<IExperiment> = {}
): IExperiment {
  return {
    id: `id-${name}`,
    name,
    description: '',
    tags: {},
    created_time: 1,
    last_modified_time: 1,
    run_count: 2,
    in_progress_count: 0,
    last_run_time: 1,
    ...overrides
  };
}

export function run(id: string, overrides: Partial<IRun> = {}): IRun {
  return {
    id,
    name: `run-${id}`,
    experiment: 'demo',
    experiment_id: 'id-demo',
    trial: null,
    status: 'Completed',
    start_time: 1,
    end_time: 2,
    duration: 1,
    created_time: 1,
    last_modified_time: 2,
    source_type: 'Run',
    source_name: null,
    tags: {},
    params: { lr: '0.1', optimizer: 'adam' },
    metrics: {
      loss: {
        last: 0.5,
        min: 0.4,
        max: 1,
        avg: 0.6,
        std: 0.1,
        count: 10,
        last_step: 9,
        last_timestamp: 2
      }
    },
    ...overrides
  };
}
