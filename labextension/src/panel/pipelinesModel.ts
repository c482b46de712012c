/**
 * The state behind the Pipelines section: the pipelines, newest first, each with its last
 * execution's status, from `GET /pipelines` (paged). The server filters by name prefix only
 * (SageMaker's `PipelineNamePrefix`); the search box matches any part of a name, so it
 * filters the loaded rows here.
 *
 * Live like every list (`ListModel`): a `pipeline.execution` event patches its pipeline's
 * last execution at once (a new execution becomes the last one, Executing), then one
 * coalesced re-read brings the server's times; `pipeline.created|updated|deleted` re-read
 * the list (a deleted pipeline's row goes at once).
 */
import { IPipelineExecutionPayload, IPipelineSummary } from '../types';
import { IListModelOptions, IPage, ListModel } from './listModel';
import { handle, IEventHandler } from './live';

export type IPipelinesModelOptions = IListModelOptions;

export class PipelinesModel extends ListModel<IPipelineSummary> {
  /** The loaded pipelines, newest first. */
  get pipelines(): readonly IPipelineSummary[] {
    return this.items;
  }

  /** Pipelines whose last execution is still running. */
  get runningCount(): number {
    return this.items.filter(
      p => p.LastExecution?.PipelineExecutionStatus === 'Executing'
    ).length;
  }

  /** Patch a pipeline's last execution from a `pipeline.execution` event; false if not loaded. */
  applyExecution(
    payload: IPipelineExecutionPayload,
    time = new Date().toISOString()
  ): boolean {
    return this.patch(payload.pipeline, p => withExecution(p, payload, time));
  }

  protected async readPage(
    token: string | null
  ): Promise<IPage<IPipelineSummary>> {
    const page = await this.client.listPipelines({
      max_results: this.pageSize,
      next_token: token ?? undefined
    });
    return { items: page.PipelineSummaries, nextToken: page.NextToken ?? null };
  }

  protected keyOf(pipeline: IPipelineSummary): string {
    return pipeline.PipelineName;
  }

  protected eventHandlers(): IEventHandler[] {
    return [
      handle('pipeline.execution', event => {
        this.applyExecution(
          event.payload,
          new Date(event.time * 1000).toISOString()
        );
        this.scheduleRefresh();
      }),
      handle('pipeline.*', event => {
        if (event.kind === 'pipeline.deleted') {
          this.remove(event.payload.pipeline);
        }
        if (
          event.kind !== 'pipeline.step' &&
          event.kind !== 'pipeline.execution'
        ) {
          this.scheduleRefresh();
        }
      })
    ];
  }
}

/**
 * A pipeline's row after a `pipeline.execution` event: the execution it names is its last
 * one (a newer execution replaces the older), now in the status the event says.
 */
export function withExecution(
  pipeline: IPipelineSummary,
  payload: IPipelineExecutionPayload,
  time: string
): IPipelineSummary {
  const last = pipeline.LastExecution;
  if (last && last.PipelineExecutionId === payload.execution_id) {
    return {
      ...pipeline,
      LastExecution: {
        ...last,
        PipelineExecutionStatus: payload.status,
        EndTime:
          payload.status === 'Executing' || payload.status === 'Stopping'
            ? null
            : (last.EndTime ?? time)
      }
    };
  }
  if (payload.status !== 'Executing') {
    return pipeline; // an older execution ended: the last one stays
  }
  return {
    ...pipeline,
    LastExecutionTime: time,
    LastExecution: {
      PipelineExecutionArn: `${pipeline.PipelineArn}/execution/${payload.execution_id}`,
      PipelineExecutionId: payload.execution_id,
      PipelineExecutionStatus: payload.status,
      StartTime: time,
      EndTime: null
    }
  };
}
