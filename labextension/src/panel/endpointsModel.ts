/**
 * The state behind the Endpoints section: the endpoint list, a `ListModel` re-read on
 * `endpoint.*` events (coalesced; the event patches the row at once), filtered by name
 * in the browser.
 */
import { IEndpointStatusPayload, IEndpointSummary } from '../types';
import { IListModelOptions, IPage, ListModel } from './listModel';
import { handle, IEventHandler } from './live';

export type IEndpointsModelOptions = IListModelOptions;

export class EndpointsModel extends ListModel<IEndpointSummary> {
  /** The endpoints, newest first. */
  get endpoints(): readonly IEndpointSummary[] {
    return this.items;
  }

  visibleEndpoints(): IEndpointSummary[] {
    return this.visible();
  }

  /** Patch a row from an event before the coalesced re-read answers. */
  applyStatus(payload: IEndpointStatusPayload, kind = 'endpoint.status'): void {
    if (kind === 'endpoint.deleted') {
      this.remove(payload.name);
    } else if (payload.status) {
      const status = payload.status;
      this.patch(payload.name, e => ({ ...e, EndpointStatus: status }));
    }
  }

  protected async readPage(): Promise<IPage<IEndpointSummary>> {
    const answer = await this.client.listEndpoints();
    return { items: answer.Endpoints, nextToken: null };
  }

  protected keyOf(endpoint: IEndpointSummary): string {
    return endpoint.EndpointName;
  }

  protected eventHandlers(): IEventHandler[] {
    return [
      handle('endpoint.*', event => {
        this.applyStatus(event.payload, event.kind);
        this.scheduleRefresh();
      })
    ];
  }
}
