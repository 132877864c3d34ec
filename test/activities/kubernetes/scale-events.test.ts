// Scale events on the real API server: with the worker's own ServiceAccount and the shipped Role, a group added, a
// group removed and an add a ResourceQuota refuses each leave the Event `kubectl describe statefulset` lists (core v1
// Events selected by involvedObject kind, name, namespace and uid) and `kubectl get events` shows, from
// impala-autoscaler with the decision's reason; and an events API that stalls or refuses neither fails nor delays the
// scale action, and is logged.
import type https from 'node:https';
import { AppsV1Api, CoreV1Api, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { KubernetesExecutorGroups } from '../../../src/activities/kubernetes/executor-groups';
import type { WarehouseSpec } from '../../../src/policy/types';
import { proxiedKubeConfig, startFaultProxy } from '../../chaos/support/fault-proxy';
import { eventually } from '../../support/eventually';
import { addCountedQuota, templateStatefulSet, testWarehouse, useLocalCluster } from '../../support/local-cluster';
import { applyObjects, deployObjects, serviceAccountKubeConfig } from './support/deploy-manifests';

const cluster = useLocalCluster({ podReadyDelayMs: 500 });

const UP = { reason: 'ScaledUp', message: 'needsScaleUp is true as there are 3 queries queued.' } as const;
const DOWN = {
  reason: 'ScaledDown',
  message: 'needsScaleDown is true as there are no queries queued and 1 executor groups would hold 0 running queries.',
} as const;

/** The events of one StatefulSet as `kubectl describe statefulset NAME` selects them. */
async function describedEvents(admin: KubeConfig, namespace: string, name: string, uid?: string) {
  const selector = [
    'involvedObject.kind=StatefulSet',
    `involvedObject.name=${name}`,
    `involvedObject.namespace=${namespace}`,
    ...(uid ? [`involvedObject.uid=${uid}`] : []),
  ].join(',');
  const list = await admin.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace, fieldSelector: selector });
  return list.items;
}

/** Ours among them (the StatefulSet controller records its own, `SuccessfulCreate` of each pod). */
async function ourEvents(admin: KubeConfig, namespace: string, name: string, uid?: string) {
  return (await describedEvents(admin, namespace, name, uid)).filter(
    (e) => e.source?.component === 'impala-autoscaler',
  );
}

/** What `kubectl describe` prints of an event: Type, Reason, From, Message. */
const shown = (e: CoreV1Event) => ({
  type: e.type,
  reason: e.reason,
  from: e.source?.component ?? e.reportingComponent,
  reportingComponent: e.reportingComponent,
  message: e.message,
});

test("the worker's ServiceAccount records ScaledUp, ScaledDown and a refused add's ScaleUpFailed on the StatefulSets", async () => {
  const admin = cluster().kubeConfig();
  const namespace = `events-${Math.random().toString(36).slice(2, 8)}`;
  await applyObjects(admin, deployObjects(namespace));
  // Group 000 (the shipped template) and one more: a third StatefulSet is refused.
  await addCountedQuota(admin, namespace, { 'count/statefulsets.apps': '2' });
  const asWorker = await serviceAccountKubeConfig(admin, namespace);
  const notRecorded: string[] = [];
  const groups = new KubernetesExecutorGroups(asWorker, { log: (line) => notRecorded.push(line) });
  const spec: WarehouseSpec = testWarehouse(namespace, { name: 'default' });
  const template = await groups.captureTemplate(spec);
  const apps = admin.makeApiClient(AppsV1Api);

  await groups.create(spec, 1, template, UP);
  const uid = (await apps.readNamespacedStatefulSet({ name: 'impala-executor-001', namespace })).metadata!.uid!;
  const refused = await groups.create(spec, 2, template, UP).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(refused).toBeInstanceOf(ApplicationFailure);
  await groups.delete(spec, 1, DOWN);

  const onGroup1 = await eventually(
    'ScaledUp and ScaledDown on impala-executor-001',
    () => ourEvents(admin, namespace, 'impala-executor-001', uid),
    15_000,
    100,
    (es) => es.length === 2,
  );
  expect(onGroup1.map(shown).sort((a, b) => a.reason!.localeCompare(b.reason!))).toEqual([
    {
      type: 'Normal',
      reason: 'ScaledDown',
      from: 'impala-autoscaler',
      reportingComponent: 'impala-autoscaler',
      message: DOWN.message,
    },
    {
      type: 'Normal',
      reason: 'ScaledUp',
      from: 'impala-autoscaler',
      reportingComponent: 'impala-autoscaler',
      message: UP.message,
    },
  ]);
  // The refused group never existed: its event names it (no uid), as `kubectl get events` lists it.
  const [failed] = await eventually(
    'ScaleUpFailed on impala-executor-002',
    () => ourEvents(admin, namespace, 'impala-executor-002'),
    15_000,
    100,
    (es) => es.length === 1,
  );
  expect(shown(failed)).toEqual({
    type: 'Warning',
    reason: 'ScaleUpFailed',
    from: 'impala-autoscaler',
    reportingComponent: 'impala-autoscaler',
    message: expect.stringMatching(
      /^needsScaleUp is true as there are 3 queries queued\. Creating it failed: Kubernetes API refused to create StatefulSet impala-executor-002 .*exceeded quota: executor-groups/,
    ),
  });
  expect(failed.involvedObject.uid).toBeUndefined();
  // Only the events this warehouse's actions made: none for group 000, which was not scaled.
  expect(await ourEvents(admin, namespace, 'impala-executor-000')).toEqual([]);
  expect(notRecorded).toEqual([]);
});

test('an events API that stalls or refuses neither fails nor delays the scale action, and is logged', async () => {
  const admin = cluster().kubeConfig();
  const namespace = await cluster().createNamespace('events-down');
  await admin.makeApiClient(AppsV1Api).createNamespacedStatefulSet({
    namespace,
    body: templateStatefulSet('impala-executor-000', namespace),
  });
  const tls: https.RequestOptions = {};
  await admin.applyToHTTPSOptions(tls);
  const proxy = await startFaultProxy({
    url: admin.getCurrentCluster()!.server,
    tls: { ca: tls.ca, cert: tls.cert, key: tls.key },
  });
  try {
    const logged: string[] = [];
    const groups = new KubernetesExecutorGroups(proxiedKubeConfig(proxy), { log: (line) => logged.push(line) });
    const spec = testWarehouse(namespace);
    const template = await groups.captureTemplate(spec);
    const events = /\/api\/v1\/namespaces\/[^/]+\/events$/;

    proxy.inject({ method: 'POST', path: events, fault: { kind: 'stall', ms: 20_000 }, times: 1 });
    await groups.create(spec, 1, template, UP);
    // The create has returned before its event was answered: the action did not wait for it.
    expect(proxy.requests.filter((r) => events.test(r.path) && r.outcome !== '')).toEqual([]);
    await eventually('the event held by the proxy', () =>
      proxy.requests.some((r) => r.method === 'POST' && events.test(r.path) && r.outcome === ''),
    );
    await eventually('the stalled event given up on and logged', () => logged.length === 1, 15_000, 100);
    expect(logged[0]).toBe(
      `Kubernetes event ScaledUp on StatefulSet impala-executor-001 in namespace ${namespace} not recorded: no answer within 5 s; the scale action is not affected (the worker's Role needs create on events: deploy/role.yaml).`,
    );

    proxy.inject({ method: 'POST', path: events, fault: { kind: 'status', code: 403 }, times: 1 });
    await groups.delete(spec, 1, DOWN);
    await eventually('the refused event logged', () => logged.length === 2, 15_000, 100);
    expect(logged[1]).toMatch(
      new RegExp(
        `^Kubernetes event ScaledDown on StatefulSet impala-executor-001 in namespace ${namespace} not recorded: HTTP 403: .*; the scale action is not affected`,
      ),
    );
    const listed = await groups.list(spec);
    expect(listed.groups.find((g) => g.name === 'impala-executor-001')?.deleting ?? true).toBe(true);
  } finally {
    proxy.heal();
    await proxy.close();
  }
});
