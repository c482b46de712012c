/** Sample API data for the tests. */
import { ITrainingJobSummary, TrainingJobStatus } from '../types';

export function summary(
  name: string,
  status: TrainingJobStatus = 'Completed',
  overrides: Partial<ITrainingJobSummary> = {}
): ITrainingJobSummary {
  return {
    TrainingJobName: name,
    TrainingJobStatus: status,
    SecondaryStatus: status === 'InProgress' ? 'Training' : status,
    StatusMessage: '',
    CreationTime: '2024-05-01T10:00:00+00:00',
    TrainingStartTime: '2024-05-01T10:00:01+00:00',
    TrainingEndTime:
      status === 'InProgress' ? null : '2024-05-01T10:03:06+00:00',
    LastModifiedTime: '2024-05-01T10:03:06+00:00',
    FailureReason: null,
    ExperimentName: null,
    RunId: null,
    ...overrides
  };
}
