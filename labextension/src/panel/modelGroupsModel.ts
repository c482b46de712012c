/**
 * The state behind the Models section: the model package groups, each with its latest
 * approved version and how many versions await approval, from `GET /model-package-groups`
 * (paged; the name filter is the server's).
 *
 * Live like every list (`ListModel`): a `model_package.*` event patches its group's row at
 * once where the event says enough (a version registered, an approval changed), then one
 * coalesced re-read brings the server's figures; `model_package_group.*` adds or drops a
 * group.
 */
import { IModelPackageGroupSummary, IPackageEventPayload } from '../types';
import { IListModelOptions, IPage, ListModel } from './listModel';
import { handle, IEventHandler } from './live';

export type IModelGroupsModelOptions = IListModelOptions;

export class ModelGroupsModel extends ListModel<IModelPackageGroupSummary> {
  /** The loaded groups, newest first. */
  get groups(): readonly IModelPackageGroupSummary[] {
    return this.items;
  }

  /** Versions awaiting approval across the loaded groups. */
  get pendingCount(): number {
    return this.items.reduce((sum, g) => sum + g.PendingApprovalCount, 0);
  }

  /** The groups that hold versions awaiting approval (the home's "awaiting approval"). */
  awaitingApproval(): IModelPackageGroupSummary[] {
    return this.items.filter(g => g.PendingApprovalCount > 0);
  }

  /**
   * Patch a group's row from a `model_package.*` event, before the re-read answers:
   * a version registered or an approval changed moves the counts it names.
   */
  applyPackageEvent(kind: string, payload: IPackageEventPayload): void {
    this.patch(payload.group, group => patchedGroup(group, kind, payload));
  }

  protected async readPage(
    token: string | null
  ): Promise<IPage<IModelPackageGroupSummary>> {
    const page = await this.client.listModelPackageGroups({
      name_contains: this.filter.trim() || undefined,
      max_results: this.pageSize,
      next_token: token ?? undefined
    });
    return {
      items: page.ModelPackageGroupSummaryList,
      nextToken: page.NextToken ?? null
    };
  }

  protected keyOf(group: IModelPackageGroupSummary): string {
    return group.ModelPackageGroupName;
  }

  protected get serverFilter(): boolean {
    return true;
  }

  protected eventHandlers(): IEventHandler[] {
    return [
      handle('model_package.*', event => {
        this.applyPackageEvent(event.kind, event.payload);
        this.scheduleRefresh();
      }),
      handle('model_package_group.*', event => {
        if (event.kind === 'model_package_group.deleted') {
          this.remove(event.payload.group);
        }
        this.scheduleRefresh();
      })
    ];
  }
}

/**
 * A group's row after a package event: what the event alone tells (a new version, a status
 * that left or entered PendingManualApproval, a newer approved version). What it cannot
 * tell (the latest approved version once that one is rejected) waits for the re-read.
 */
export function patchedGroup(
  group: IModelPackageGroupSummary,
  kind: string,
  payload: IPackageEventPayload
): IModelPackageGroupSummary {
  const status = payload.approval_status ?? null;
  let pending = group.PendingApprovalCount;
  let latestApproved = group.LatestApprovedVersion;
  let latest = group.LatestVersion;
  let count = group.VersionCount;
  if (kind === 'model_package.created') {
    count += 1;
    latest = Math.max(latest ?? 0, payload.version);
    pending += status === 'PendingManualApproval' ? 1 : 0;
  } else if (kind === 'model_package.status') {
    pending += payload.previous === 'PendingManualApproval' ? -1 : 0;
    pending += status === 'PendingManualApproval' ? 1 : 0;
  } else {
    return group;
  }
  if (status === 'Approved') {
    latestApproved = Math.max(latestApproved ?? 0, payload.version);
  }
  return {
    ...group,
    PendingApprovalCount: Math.max(0, pending),
    LatestApprovedVersion: latestApproved,
    LatestVersion: latest,
    VersionCount: count
  };
}
