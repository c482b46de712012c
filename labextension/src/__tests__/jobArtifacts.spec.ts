import { ITrainingJobDescription } from '../types';
import { artifactRows } from '../views/job/jobData';

function job(
  overrides: Partial<ITrainingJobDescription>
): ITrainingJobDescription {
  return {
    TrainingJobName: 'j',
    TrainingJobStatus: 'Completed',
    LogUri: '/home/me/.labstudio/jobs/j/output.log',
    ...overrides
  } as unknown as ITrainingJobDescription;
}

describe('job artifact rows', () => {
  it('offers the archives of a job whose run still exists', () => {
    const rows = artifactRows(
      job({
        ModelArtifacts: { S3ModelArtifacts: '/a/model.tar.gz' },
        OutputArtifacts: { S3OutputArtifacts: '/a/output.tar.gz' }
      })
    );
    expect(rows.map(r => [r.kind, r.uri, r.deleted])).toEqual([
      ['model', '/a/model.tar.gz', false],
      ['output', '/a/output.tar.gz', false],
      ['log', '/home/me/.labstudio/jobs/j/output.log', false]
    ]);
  });

  it('marks archives deleted with the run instead of offering them', () => {
    const rows = artifactRows(
      job({
        ModelArtifacts: { S3ModelArtifacts: null, Deleted: true },
        OutputArtifacts: { S3OutputArtifacts: null, Deleted: true }
      })
    );
    expect(rows.slice(0, 2).map(r => [r.kind, r.uri, r.deleted])).toEqual([
      ['model', null, true],
      ['output', null, true]
    ]);
  });
});
