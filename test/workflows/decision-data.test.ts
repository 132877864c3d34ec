// What the workflow publishes from a decision — the metrics' tick report and the Web UI's current details — reads
// the decision's data (Decision.rule, DecisionRecord.why), never the log's wording: a reworded line changes neither.
import { decide } from '../../src/policy/decide';
import type { DecisionRecord } from '../../src/workflows/messages';
import { detailsTable } from '../../src/workflows/details';
import { tickReport } from '../../src/workflows/sinks';
import { obs, spec, state } from '../policy/support';

const suspendedWithQueue = () => {
  const sp = spec();
  const o = obs({ queued: 1, groups: [] });
  return { sp, o, d: decide(sp, state({ state: 'Suspended', autoSuspended: true }), o) };
};

test("a resume is counted as a resume, from the decision's rule", () => {
  const { sp, o, d } = suspendedWithQueue();
  expect(d.rule).toBe('resume');
  expect(tickReport(sp, d.state, o, d)).toMatchObject({ resumes: 1, scaleUps: 0 });
  // The same decision with its lines reworded: still a resume.
  const reworded = { ...d, reasons: d.reasons.map((r) => r.replace('Resuming warehouse', 'Waking the warehouse')) };
  expect(tickReport(sp, d.state, o, reworded)).toMatchObject({ resumes: 1, scaleUps: 0 });
});

test("the operator's resume is counted as a resume; a scale-up is not", () => {
  const sp = spec();
  const o = obs({ groups: [] });
  const resumed = decide(sp, state({ state: 'Suspended', operatorSuspended: true, intent: 'resume' }), o);
  expect(resumed.rule).toBe('operator');
  expect(tickReport(sp, resumed.state, o, resumed)).toMatchObject({ resumes: 1, scaleUps: 0 });
  const q = obs({
    queued: 3,
    running: 12,
    groups: [{ name: 'impala-executor-000', index: 0, ready: true, deleting: false, runningQueries: 12 }],
  });
  const up = decide(sp, state({ current: 1, counters: { up: 1 } }), q);
  expect(tickReport(sp, up.state, q, up)).toMatchObject({ resumes: 0, scaleUps: 1 });
});

test("the details' why column is the record's why; a record kept from an earlier release shows none", () => {
  const { sp, o, d } = suspendedWithQueue();
  const record = (extra: Partial<DecisionRecord>): DecisionRecord => ({
    tick: 1,
    at: '2026-12-02T09:00:00.000Z',
    queued: 1,
    running: 0,
    current: 0,
    target: 1,
    state: 'ScalingUp',
    reasons: d.reasons,
    actions: ['add impala-executor-000'],
    ...extra,
  });
  const table = detailsTable(sp, d.state, o, [record({ rule: d.rule, why: 'the line that says why' })]);
  expect(table).toContain('| 2026-12-02T09:00:00.000Z | add impala-executor-000 | the line that says why |');
  const old = detailsTable(sp, d.state, o, [record({})]);
  expect(old).toContain('| 2026-12-02T09:00:00.000Z | add impala-executor-000 |  |');
});
