// Kubernetes Events for scale actions, on the StatefulSet concerned, as `kubectl describe statefulset` and
// `kubectl get events` show them (core v1 Events: `describe` lists them by involvedObject, `From` is the reporting
// component). Best effort: an event is sent after the action and not waited for, bounded, and a failure is only
// logged — the action it describes has already happened.
import os from 'node:os';
import { ApiException, type CoreV1Api, type CoreV1Event } from '@kubernetes/client-node';
import { withinMs } from '../../util/deadline';
import type { ScaleEvent } from '../interfaces';
import { apiMessage } from './errors';

export const REPORTING_COMPONENT = 'impala-autoscaler';
/** An API server that does not answer an event within this is given up on (the action is not waiting for it). */
export const EVENT_TIMEOUT_MS = 5000;
/** The API server's limit for an event's message (events.k8s.io/v1 `note`). */
const MAX_MESSAGE = 1024;

/** The StatefulSet an event is about; `uid` is absent when a create was refused (the object does not exist). */
export interface EventTarget {
  name: string;
  namespace: string;
  uid?: string;
}

export type EventLog = (line: string) => void;

/** Warning for a failed scale-up, Normal otherwise. */
export function eventType(reason: ScaleEvent['reason']): 'Normal' | 'Warning' {
  return reason === 'ScaleUpFailed' ? 'Warning' : 'Normal';
}

export function scaleEventBody(target: EventTarget, event: ScaleEvent, now = new Date()): CoreV1Event {
  const instance = `${REPORTING_COMPONENT}-${os.hostname()}`.slice(0, 128);
  const message = event.message.length > MAX_MESSAGE ? `${event.message.slice(0, MAX_MESSAGE - 1)}…` : event.message;
  return {
    metadata: {
      // As client-go names events: the object's name and a unique suffix.
      name: `${target.name}.${now.getTime().toString(16)}${Math.floor(Math.random() * 0xfffff).toString(16)}`,
      namespace: target.namespace,
    },
    involvedObject: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      name: target.name,
      namespace: target.namespace,
      ...(target.uid ? { uid: target.uid } : {}),
    },
    type: eventType(event.reason),
    reason: event.reason,
    message,
    action: event.reason === 'ScaledUp' || event.reason === 'Resumed' ? 'Create' : 'Delete',
    source: { component: REPORTING_COMPONENT },
    reportingComponent: REPORTING_COMPONENT,
    reportingInstance: instance,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}

/** Sends the event without being waited for; never throws. Resolves once it is recorded or given up on. */
export function emitScaleEvent(core: CoreV1Api, target: EventTarget, event: ScaleEvent, log: EventLog): Promise<void> {
  return withinMs(
    EVENT_TIMEOUT_MS,
    core.createNamespacedEvent({ namespace: target.namespace, body: scaleEventBody(target, event) }),
  ).then(
    () => undefined,
    (err: Error) =>
      log(
        `Kubernetes event ${event.reason} on StatefulSet ${target.name} in namespace ${target.namespace} not recorded: ${err instanceof ApiException ? `HTTP ${err.code}: ${apiMessage(err)}` : err.message}; the scale action is not affected (the worker's Role needs create on events: deploy/role.yaml).`,
      ),
  );
}
