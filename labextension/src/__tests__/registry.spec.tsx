/**
 * The model registry in the panel: the pure helpers (labels, metric columns, the version
 * comparison, history words), the models of the Models section and of a group's view
 * against the real HTTP + WebSocket test server (what they read, how `model_package.*`
 * events move them, what approve / reject / deploy send), and what the section and the
 * view render.
 */
import { Widget } from '@lumino/widgets';
import { fireEvent, render, waitFor, within } from '@testing-library/react';
import * as React from 'react';

import { LabstudioClient } from '../api';
import { JobsModel, StudioPanel } from '../panel';
import { ModelGroupsModel, patchedGroup } from '../panel/modelGroupsModel';
import { ModelGroupModel } from '../views/registry/groupModel';
import { GroupView } from '../views/registry/GroupView';
import {
  activityText,
  approvedLabel,
  canDecide,
  compareRows,
  endpointNameForVersion,
  metricColumns,
  metricsDocuments
} from '../views/registry/registryData';
import {
  activity,
  groupDescription,
  groupSummary,
  versionDescription,
  versionSummary
} from './registryFixtures';
import { requestsTo, serveApi, TestServer, until } from './server';
import { ServerHarness } from './harness';

const harness = new ServerHarness();
let server: TestServer;
let client: LabstudioClient;

beforeEach(() => {
  ({ server, client } = harness);
});
const { connectEvents, track, broadcast } = harness;

function query(url: string): URLSearchParams {
  return new URL(url, 'http://x').searchParams;
}

// -- pure helpers -----------------------------------------------------------------------

describe('registry helpers', () => {
  it('label approvals, counts and suggested endpoint names', () => {
    expect(approvedLabel(null)).toBe('–');
    expect(approvedLabel(3)).toBe('✓ v3');
    expect(canDecide('Approved', 'approve')).toBe(false);
    expect(canDecide('Approved', 'reject')).toBe(true);
    expect(canDecide('PendingManualApproval', 'approve')).toBe(true);
    expect(canDecide('Rejected', 'reject')).toBe(false);
    expect(endpointNameForVersion('churn', 12)).toBe('churn-v12');
    // SageMaker's 63 characters: the group's name is shortened, the version kept
    const long = 'a'.repeat(60) + '-b';
    const name = endpointNameForVersion(long, 7);
    expect(name).toHaveLength(63);
    expect(name.endsWith('-v7')).toBe(true);
    expect(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(name)).toBe(true);
    // a cut that would end on a hyphen drops it
    expect(endpointNameForVersion('a'.repeat(59) + '-bcd', 1)).toBe(
      'a'.repeat(59) + '-v1'
    );
  });

  it('lay the versions’ metric numbers out as columns, printed so they tell apart', () => {
    const versions = [
      versionSummary(3, 'PendingManualApproval', {
        f1: 0.88,
        accuracy: 0.9105
      }),
      versionSummary(2, 'Approved', { accuracy: 0.9107 }),
      versionSummary(1, 'Rejected', { accuracy: 'NaN' })
    ];
    const columns = metricColumns(versions);
    expect(columns.map(c => c.name)).toEqual(['accuracy', 'f1']);
    expect(columns[0].digits).toBe(4);
    expect(metricColumns([versionSummary(1), versionSummary(2)])).toEqual([]);
  });

  it('compare versions field by field, marking what differs', () => {
    const one = versionDescription(1, 'Rejected', {
      ApprovalDescription: 'too slow',
      CustomerMetadataProperties: { owner: 'risk' }
    });
    const two = versionDescription(2, 'Approved', {
      MetricValues: { accuracy: 0.93, auc: 0.97 }
    });
    const rows = compareRows([one, two]);
    const row = (key: string) => rows.find(r => r.key === key)!;
    expect(row('status').values).toEqual(['Rejected', 'Approved']);
    expect(row('status').differs).toBe(true);
    expect(row('comment').values).toEqual(['too slow', '']);
    expect(row('entry')).toMatchObject({
      values: ['deployable.py', 'deployable.py'],
      differs: false
    });
    expect(row('content').differs).toBe(false);
    expect(row('metric:accuracy').values).toEqual(['0.91', '0.93']);
    // a metric only one version has: the other shows none
    expect(row('metric:auc').values).toEqual(['–', '0.97']);
    expect(row('final:loss').values).toEqual(['0.4', '0.3']);
    expect(row('document:ModelQuality.Statistics').values).toEqual([
      '/home/me/project/eval1.json',
      '/home/me/project/eval2.json'
    ]);
    expect(row('meta:owner').values).toEqual(['risk', '']);
    // sections in order, each row in its own
    expect([...new Set(rows.map(r => r.section))]).toEqual([
      'version',
      'metrics',
      'final',
      'documents',
      'metadata'
    ]);
    expect(
      metricsDocuments({ ModelMetrics: { Bias: { Report: null } } })
    ).toEqual([]);
  });

  it('say what a history entry did', () => {
    expect(activityText(activity(null, 'GroupCreated'))).toBe('Group created');
    expect(activityText(activity(1, 'Registered'))).toBe(
      'Registered as Pending'
    );
    expect(
      activityText(activity(1, 'ApprovalChanged', { ToStatus: 'Approved' }))
    ).toBe('Approved');
    expect(
      activityText(
        activity(1, 'ApprovalChanged', { ToStatus: 'PendingManualApproval' })
      )
    ).toBe('Set to Pending');
    expect(activityText(activity(1, 'MetadataChanged'))).toBe(
      'Details changed'
    );
  });

  it("patch a group's counts from what a package event says", () => {
    const group = groupSummary('churn', {
      PendingApprovalCount: 1,
      LatestApprovedVersion: 1
    });
    expect(
      patchedGroup(group, 'model_package.status', {
        group: 'churn',
        version: 2,
        arn: 'x',
        approval_status: 'Approved',
        previous: 'PendingManualApproval'
      })
    ).toMatchObject({ PendingApprovalCount: 0, LatestApprovedVersion: 2 });
    expect(
      patchedGroup(group, 'model_package.created', {
        group: 'churn',
        version: 3,
        arn: 'x',
        approval_status: 'PendingManualApproval'
      })
    ).toMatchObject({
      PendingApprovalCount: 2,
      LatestVersion: 3,
      VersionCount: 3,
      LatestApprovedVersion: 1
    });
    // back to pending: counted again; the latest approved waits for the re-read
    expect(
      patchedGroup(group, 'model_package.status', {
        group: 'churn',
        version: 1,
        arn: 'x',
        approval_status: 'PendingManualApproval',
        previous: 'Approved'
      })
    ).toMatchObject({ PendingApprovalCount: 2, LatestApprovedVersion: 1 });
    expect(
      patchedGroup(group, 'model_package.updated', {
        group: 'churn',
        version: 1,
        arn: 'x'
      })
    ).toBe(group);
  });
});

// -- the Models section's model ---------------------------------------------------------

describe('ModelGroupsModel', () => {
  it('reads the groups page by page, filters on the server and follows approvals live', async () => {
    let groups = [
      groupSummary('churn'),
      groupSummary('fraud', {
        PendingApprovalCount: 0,
        LatestApprovedVersion: 4
      })
    ];
    serveApi(server, {
      'GET /model-package-groups': req => {
        const q = query(req.url);
        const contains = q.get('name_contains') ?? '';
        const matching = groups.filter(g =>
          g.ModelPackageGroupName.includes(contains)
        );
        return q.get('next_token') === 'p2'
          ? { ModelPackageGroupSummaryList: matching.slice(1), NextToken: null }
          : {
              ModelPackageGroupSummaryList: matching.slice(0, 1),
              NextToken: matching.length > 1 ? 'p2' : null
            };
      }
    });
    const model = track(
      new ModelGroupsModel({
        client,
        events: connectEvents(),
        pageSize: 1,
        // no re-read while the test looks at what the event alone did
        refreshDelay: 60_000,
        filterDelay: 10
      })
    );
    await model.start();
    expect(model.groups.map(g => g.ModelPackageGroupName)).toEqual(['churn']);
    expect(model.hasMore).toBe(true);
    expect(
      query(requestsTo(server, 'GET', '/model-package-groups')[0].url).get(
        'max_results'
      )
    ).toBe('1');
    await model.loadMore();
    expect(model.groups.map(g => g.ModelPackageGroupName)).toEqual([
      'churn',
      'fraud'
    ]);
    expect(model.pendingCount).toBe(2);
    expect(model.awaitingApproval().map(g => g.ModelPackageGroupName)).toEqual([
      'churn'
    ]);

    await until(() => !!harness.events?.connected, 5000, 'the events socket');
    // An approval: the row moves at once, before any re-read...
    const reads = () =>
      requestsTo(server, 'GET', '/model-package-groups').length;
    const before = reads();
    broadcast('model_package.status', {
      group: 'churn',
      version: 2,
      arn: 'x',
      approval_status: 'Approved',
      previous: 'PendingManualApproval'
    });
    await until(
      () => model.groups[0].PendingApprovalCount === 1,
      5000,
      'the patched row'
    );
    expect(model.groups[0].LatestApprovedVersion).toBe(2);
    expect(model.pendingCount).toBe(1);
    expect(reads()).toBe(before);
    // ...and the server's figures win when they arrive.
    groups = [
      groupSummary('churn', {
        PendingApprovalCount: 0,
        LatestApprovedVersion: 2
      }),
      groups[1]
    ];
    await model.refresh();
    expect(model.pendingCount).toBe(0);

    // A group deleted elsewhere leaves the list at once.
    groups = [groups[0]];
    broadcast('model_package_group.deleted', { group: 'fraud' });
    await until(
      () => model.groups.every(g => g.ModelPackageGroupName !== 'fraud'),
      5000,
      'the deleted group to go'
    );

    // The filter is the server's.
    model.setFilter('chu');
    await until(
      () =>
        requestsTo(server, 'GET', '/model-package-groups').some(
          r => query(r.url).get('name_contains') === 'chu'
        ),
      5000,
      'a filtered read'
    );
  });
});

// -- a group's view model ---------------------------------------------------------------

/** A registry of one group, churn, with versions 1 and 2, that approvals change. */
function serveGroup(): {
  statuses: Record<number, string>;
  comments: Record<number, string | null>;
  created: unknown[];
} {
  const state = {
    statuses: {
      1: 'PendingManualApproval',
      2: 'PendingManualApproval'
    } as Record<number, string>,
    comments: {} as Record<number, string | null>,
    created: [] as unknown[]
  };
  const describe = (v: number) =>
    versionDescription(v, state.statuses[v] as any, {
      ApprovalDescription: state.comments[v] ?? null
    });
  const decide = (status: string) => (req: { url: string; body: string }) => {
    const version = Number(new URL(req.url, 'http://x').pathname.split('/')[5]);
    state.statuses[version] = status;
    state.comments[version] = JSON.parse(req.body).ApprovalDescription;
    return describe(version);
  };
  serveApi(server, {
    'GET /model-package-groups/churn': () => {
      const pending = Object.values(state.statuses).filter(
        s => s === 'PendingManualApproval'
      ).length;
      const approved =
        [2, 1].find(v => state.statuses[v] === 'Approved') ?? null;
      return groupDescription('churn', {
        PendingApprovalCount: pending,
        LatestApprovedVersion: approved
      });
    },
    'GET /model-packages': () => ({
      ModelPackageSummaryList: [2, 1].map(v =>
        versionSummary(v, state.statuses[v] as any, {
          accuracy: 0.9 + v / 100
        })
      ),
      NextToken: null
    }),
    'GET /model-package-groups/churn/activity': () => ({
      Activity: [
        ...[1, 2]
          .filter(v => state.statuses[v] !== 'PendingManualApproval')
          .map(v =>
            activity(v, 'ApprovalChanged', {
              FromStatus: 'PendingManualApproval',
              ToStatus: state.statuses[v],
              Comment: state.comments[v] ?? null
            })
          ),
        activity(2, 'Registered'),
        activity(1, 'Registered'),
        activity(null, 'GroupCreated')
      ]
    }),
    'GET /model-packages/churn/1': () => describe(1),
    'GET /model-packages/churn/2': () => describe(2),
    'GET /model-packages/churn/2/metrics': () => ({
      ModelPackageArn: 'x',
      Documents: {
        ModelQuality: {
          Statistics: {
            ContentType: 'application/json',
            S3Uri: '/home/me/project/eval2.json',
            Document: { accuracy: 0.92 },
            Error: null
          }
        }
      }
    }),
    'POST /model-packages/churn/1/approve': decide('Approved'),
    'POST /model-packages/churn/2/approve': decide('Approved'),
    'POST /model-packages/churn/1/reject': decide('Rejected'),
    'POST /model-packages/churn/2/reject': decide('Rejected'),
    'POST /endpoints': req => {
      const body = JSON.parse(req.body);
      state.created.push(body);
      return {
        status: 201,
        json: { EndpointName: body.EndpointName, EndpointStatus: 'Creating' }
      };
    }
  });
  return state;
}

describe('ModelGroupModel', () => {
  it('reads the group, every version and the history; approves with a comment', async () => {
    const state = serveGroup();
    const model = track(new ModelGroupModel({ client, group: 'churn' }));
    await model.start();
    expect(model.group?.PendingApprovalCount).toBe(2);
    expect(model.versions.map(v => v.ModelPackageVersion)).toEqual([2, 1]);
    expect(model.activity).toHaveLength(3);
    const list = requestsTo(server, 'GET', '/model-packages')[0];
    expect(query(list.url).get('group')).toBe('churn');
    expect(query(list.url).get('sort_order')).toBe('Descending');

    model.openDecision(2, 'approve');
    model.setDecisionComment('  passed review ');
    await model.submitDecision();
    const sent = requestsTo(server, 'POST', '/model-packages/churn/2/approve');
    expect(JSON.parse(sent[0].body)).toEqual({
      ApprovalDescription: 'passed review'
    });
    expect(model.decision).toBeNull();
    expect(state.statuses[2]).toBe('Approved');
    expect(model.versions[0].ModelApprovalStatus).toBe('Approved');
    expect(model.group?.LatestApprovedVersion).toBe(2);
    expect(model.activity[0]).toMatchObject({
      Action: 'ApprovalChanged',
      Comment: 'passed review'
    });

    // No comment: none sent.
    await model.decide(1, 'reject', '   ');
    expect(
      JSON.parse(
        requestsTo(server, 'POST', '/model-packages/churn/1/reject')[0].body
      )
    ).toEqual({ ApprovalDescription: null });
    expect(model.actionError).toBeNull();
  });

  it('keeps why an approval was refused, and the form open', async () => {
    serveGroup();
    const model = track(new ModelGroupModel({ client, group: 'churn' }));
    await model.start();
    serveApi(server, {
      'POST /model-packages/churn/2/approve': () => ({
        status: 400,
        json: {
          message: 'ApprovalDescription: at most 1024 characters',
          field: 'ApprovalDescription'
        }
      })
    });
    model.openDecision(2, 'approve');
    await model.submitDecision();
    expect(model.actionError).toBe(
      'ApprovalDescription: at most 1024 characters'
    );
    expect(model.decision).toMatchObject({ version: 2, decision: 'approve' });
    expect(model.busy).toBe(false);
  });

  it("follows this group's package events live and ignores other groups'", async () => {
    const state = serveGroup();
    const model = track(
      new ModelGroupModel({
        client,
        events: connectEvents(),
        group: 'churn',
        reloadDelay: 20
      })
    );
    await model.start();
    await until(() => !!harness.events?.connected, 5000, 'the events socket');
    await model.reload();
    const reads = () =>
      requestsTo(server, 'GET', '/model-package-groups/churn').length;
    const before = reads();

    broadcast('model_package.status', {
      group: 'fraud',
      version: 1,
      arn: 'x',
      approval_status: 'Rejected'
    });
    // Decided elsewhere (the CLI, a notebook): the row changes at once, then a re-read.
    state.statuses[1] = 'Rejected';
    state.comments[1] = 'drift';
    broadcast('model_package.status', {
      group: 'churn',
      version: 1,
      arn: 'x',
      approval_status: 'Rejected',
      previous: 'PendingManualApproval'
    });
    await until(
      () => model.versions[1]?.ModelApprovalStatus === 'Rejected',
      5000,
      'the patched row'
    );
    await until(() => model.activity.length === 4, 5000, 'the history re-read');
    // one re-read for the burst (the other group's event read nothing)
    expect(reads()).toBe(before + 1);
    expect(model.activity[0]).toMatchObject({
      Comment: 'drift',
      ModelPackageVersion: 1
    });

    // A version deleted elsewhere leaves the table and the selection.
    model.toggleSelected(1);
    broadcast('model_package.deleted', {
      group: 'churn',
      version: 1,
      arn: 'x'
    });
    await until(() => model.versions.length === 1, 5000, 'the deleted version');
    expect(model.selected).toEqual([]);
  });

  it('deploys a version by its GROUP/VERSION with the deploy form', async () => {
    const state = serveGroup();
    const model = track(new ModelGroupModel({ client, group: 'churn' }));
    await model.start();
    expect(model.deployVersion).toBeNull();
    model.openDeploy(2);
    expect(model.deployVersion).toBe(2);
    expect(model.deployDraft.name).toBe('churn-v2');
    model.deployDraft.set('churn-live');
    expect(await model.deploy(model.deployDraft.name!)).toBe('churn-live');
    expect(state.created).toEqual([
      {
        EndpointName: 'churn-live',
        ProductionVariants: [{ VariantName: 'AllTraffic', Source: 'churn/2' }]
      }
    ]);
    expect(model.deployDraft.name).toBeNull();
    expect(model.deployVersion).toBeNull();
  });

  it('compares the ticked versions and opens a version with its documents', async () => {
    serveGroup();
    const model = track(
      new ModelGroupModel({ client, group: 'churn', version: 2 })
    );
    await model.start();
    // opened at version 2: its description and its ModelMetrics documents
    expect(model.details?.version).toBe(2);
    expect(
      model.details?.documents?.Documents.ModelQuality.Statistics.Document
    ).toEqual({
      accuracy: 0.92
    });

    model.toggleSelected(2);
    await model.compare(); // one version: nothing to compare
    expect(model.comparison).toBeNull();
    model.toggleSelected(1);
    expect(model.selected).toEqual([1, 2]);
    await model.compare();
    expect(model.comparison?.map(v => v.ModelPackageVersion)).toEqual([1, 2]);
    model.closeComparison();
    expect(model.comparison).toBeNull();

    // a version that is gone: its details say why
    await model.openDetails(9);
    expect(model.details?.error?.status).toBe(404);
  });
});

// -- what the section and the view render ---------------------------------------------

describe('registry views', () => {
  beforeEach(() => {
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = false;
  });

  it('show each group in the Models section with its counts; a click opens it', async () => {
    serveApi(server, {
      'GET /jobs': () => ({ JobSummaries: [], NextToken: null }),
      'GET /model-package-groups': () => ({
        ModelPackageGroupSummaryList: [
          groupSummary('churn', { PendingApprovalCount: 2 }),
          groupSummary('fraud', {
            PendingApprovalCount: 0,
            LatestApprovedVersion: 4
          })
        ],
        NextToken: null
      })
    });
    const opened: string[] = [];
    const models = new ModelGroupsModel({ client });
    const panel = track(
      new StudioPanel({
        jobs: new JobsModel({ client }),
        models,
        actions: { openModelGroup: name => opened.push(name) }
      })
    );
    Widget.attach(panel, document.body);
    void models.start();
    const section = () =>
      panel.node.querySelector<HTMLElement>(
        '[data-testid="labstudio-section-models"]'
      )!;
    await waitFor(() =>
      expect(
        section().querySelectorAll('[data-testid="labstudio-model-row"]')
      ).toHaveLength(2)
    );
    const rows = section().querySelectorAll<HTMLElement>(
      '[data-testid="labstudio-model-row"]'
    );
    expect(rows[0].dataset.pending).toBe('2');
    expect(
      within(rows[0]).getByTestId('labstudio-model-pending').textContent
    ).toBe('2 pending');
    expect(
      within(rows[0]).getByTestId('labstudio-model-approved').textContent
    ).toBe('–');
    expect(
      within(rows[1]).getByTestId('labstudio-model-approved').textContent
    ).toBe('✓ v4');
    expect(
      within(rows[1]).getByTestId('labstudio-model-pending').textContent
    ).toBe('');
    // the section's count: versions awaiting approval
    expect(
      panel.node.querySelector('[data-testid="labstudio-count-models"]')!
        .textContent
    ).toBe('2');
    fireEvent.click(rows[1]);
    fireEvent.keyDown(rows[0], { key: 'Enter' });
    expect(opened).toEqual(['fraud', 'churn']);
    Widget.detach(panel);
  });

  it('says how to register a first model when there is none', async () => {
    serveApi(server, {
      'GET /jobs': () => ({ JobSummaries: [], NextToken: null }),
      'GET /model-package-groups': () => ({
        ModelPackageGroupSummaryList: [],
        NextToken: null
      })
    });
    const models = new ModelGroupsModel({ client });
    const panel = track(
      new StudioPanel({ jobs: new JobsModel({ client }), models })
    );
    Widget.attach(panel, document.body);
    void models.start();
    await waitFor(() =>
      expect(
        panel.node.querySelector('[data-testid="labstudio-models-empty"]')
          ?.textContent
      ).toContain('labstudio models register JOB --group NAME')
    );
    Widget.detach(panel);
  });

  it('render versions side by side; approve with a comment; compare; deploy opens the endpoint', async () => {
    serveGroup();
    const model = track(new ModelGroupModel({ client, group: 'churn' }));
    await model.start();
    const jobs: string[] = [];
    const endpoints: string[] = [];
    const lineages: string[] = [];
    const { container, unmount } = render(
      <GroupView
        model={model}
        onOpenJob={name => jobs.push(name)}
        onOpenEndpoint={name => endpoints.push(name)}
        onOpenLineage={start => lineages.push(start)}
      />
    );
    const view = within(container);
    const row = (v: number) =>
      container.querySelector<HTMLElement>(
        `[data-testid="labstudio-version-row"][data-version="${v}"]`
      )!;
    expect(view.getAllByTestId('labstudio-version-row')).toHaveLength(2);
    expect(row(2).dataset.status).toBe('PendingManualApproval');
    expect(
      within(row(2)).getByTestId('labstudio-status-badge').textContent
    ).toBe('Pending');
    expect(
      view
        .getAllByTestId('labstudio-version-metric-header')
        .map(h => h.textContent)
    ).toEqual(['accuracy']);
    expect(
      within(row(1)).getByTestId('labstudio-version-metric').textContent
    ).toBe('0.91');
    expect(view.getByTestId('labstudio-group-counts').textContent).toBe(
      '2 versions · latest approved none · 2 pending'
    );
    fireEvent.click(within(row(1)).getByTestId('labstudio-version-job'));
    expect(jobs).toEqual(['demo-fit-1']);

    // Approve v2 with a comment.
    fireEvent.click(within(row(2)).getByTestId('labstudio-version-approve'));
    const form = view.getByTestId('labstudio-decision-form');
    expect(form.dataset.version).toBe('2');
    fireEvent.change(within(form).getByTestId('labstudio-decision-comment'), {
      target: { value: 'passed review' }
    });
    fireEvent.click(within(form).getByTestId('labstudio-decision-confirm'));
    await waitFor(() => expect(row(2).dataset.status).toBe('Approved'));
    expect(view.queryByTestId('labstudio-decision-form')).toBeNull();
    expect(
      (
        within(row(2)).getByTestId(
          'labstudio-version-approve'
        ) as HTMLButtonElement
      ).disabled
    ).toBe(true);
    await waitFor(() =>
      expect(view.getByTestId('labstudio-activity-comment').textContent).toBe(
        'passed review'
      )
    );
    expect(view.getByTestId('labstudio-group-counts').textContent).toBe(
      '2 versions · latest approved v2 · 1 pending'
    );

    // Compare: both ticked, what differs marked.
    const compare = view.getByTestId(
      'labstudio-group-compare'
    ) as HTMLButtonElement;
    expect(compare.disabled).toBe(true);
    fireEvent.click(within(row(1)).getByTestId('labstudio-version-select'));
    fireEvent.click(within(row(2)).getByTestId('labstudio-version-select'));
    expect(compare.textContent).toBe('Compare (2)');
    fireEvent.click(compare);
    const table = await view.findByTestId('labstudio-version-compare');
    expect(table.dataset.versions).toBe('1,2');
    const field = (key: string) =>
      table.querySelector<HTMLElement>(`[data-field="${key}"]`)!;
    expect(field('status').dataset.differs).toBe('true');
    expect(
      [...field('status').querySelectorAll('td')].map(td => td.textContent)
    ).toEqual(['Pending', 'Approved']);
    expect(field('entry').dataset.differs).toBe('false');

    // A version's details, and its lineage.
    fireEvent.click(within(row(2)).getByTestId('labstudio-version-open'));
    const details = await view.findByTestId('labstudio-version-details');
    await waitFor(() =>
      expect(
        within(details).getByTestId('labstudio-metrics-document').textContent
      ).toContain('"accuracy": 0.92')
    );
    fireEvent.click(within(details).getByTestId('labstudio-open-lineage'));
    expect(lineages).toEqual(['churn/2']);

    // Deploy v2: the deploy form, then the endpoint opens.
    fireEvent.click(within(row(2)).getByTestId('labstudio-version-deploy'));
    const deploy = view.getByTestId('labstudio-group-deploy');
    expect(deploy.dataset.version).toBe('2');
    const name = within(deploy).getByTestId(
      'labstudio-deploy-name'
    ) as HTMLInputElement;
    expect(name.value).toBe('churn-v2');
    fireEvent.change(name, { target: { value: 'churn-live' } });
    fireEvent.click(within(deploy).getByTestId('labstudio-deploy-confirm'));
    await waitFor(() => expect(endpoints).toEqual(['churn-live']));
    expect(view.queryByTestId('labstudio-group-deploy')).toBeNull();
    unmount();
  });

  it("shows the server's refusal of a deploy under the header", async () => {
    serveGroup();
    const model = track(new ModelGroupModel({ client, group: 'churn' }));
    await model.start();
    serveApi(server, {
      'POST /endpoints': () => ({
        status: 409,
        json: {
          message: "endpoint 'churn-v2' already exists",
          field: 'EndpointName'
        }
      })
    });
    const { container, unmount } = render(<GroupView model={model} />);
    const view = within(container);
    const row = container.querySelector<HTMLElement>(
      '[data-testid="labstudio-version-row"][data-version="2"]'
    )!;
    fireEvent.click(within(row).getByTestId('labstudio-version-deploy'));
    fireEvent.click(view.getByTestId('labstudio-deploy-confirm'));
    await waitFor(() =>
      expect(view.getByTestId('labstudio-action-error').textContent).toBe(
        "endpoint 'churn-v2' already exists"
      )
    );
    // the form stays, with the name typed
    expect(view.getByTestId('labstudio-group-deploy')).toBeTruthy();
    unmount();
  });

  it('explains a group that does not exist', async () => {
    const missing = () => ({
      status: 404,
      json: {
        message: "ModelPackageGroupName 'nope' does not exist.",
        field: 'ModelPackageGroupName'
      }
    });
    serveApi(server, {
      'GET /model-package-groups/nope': missing,
      'GET /model-packages': missing,
      'GET /model-package-groups/nope/activity': missing
    });
    const model = track(new ModelGroupModel({ client, group: 'nope' }));
    await model.start();
    const { container, unmount } = render(<GroupView model={model} />);
    expect(
      within(container).getByTestId('labstudio-error').textContent
    ).toContain("'nope' does not exist");
    unmount();
  });
});
