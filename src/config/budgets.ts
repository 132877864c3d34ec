// Budgets: executor-hours a warehouse may use per period, with actions at thresholds as Snowflake's resource monitors
// take them (notify, block scale-up above the minimum, suspend). The policy counts and acts (src/policy/budgets.ts).
import { z } from 'zod';
import { budgetLabel, DEFAULT_THRESHOLDS } from '../policy/budgets';
import type { BudgetSpec } from '../policy/types';

const periodSchema = z.union(
  [
    z.enum(['day', 'month']),
    z.strictObject({
      seconds: z
        .number({ error: 'period.seconds must be a number of seconds' })
        .int('period.seconds must be a whole number of seconds')
        .min(1, 'period.seconds must be ≥ 1'),
    }),
  ],
  { error: 'period must be day, month (UTC) or { seconds: N } (periods of N seconds from 1970-01-01 00:00 UTC)' },
);

const thresholdSchema = z.strictObject({
  percent: z
    .number({ error: 'percent must be a number' })
    .gt(0, 'percent must be > 0')
    .max(1000, 'percent must be ≤ 1000'),
  action: z.enum(['notify', 'block-scale-up', 'suspend'], {
    error: 'action must be one of notify, block-scale-up, suspend',
  }),
});

const budgetSchema = z.strictObject({
  period: periodSchema,
  executorHours: z.number({ error: 'executorHours must be a number of executor-hours' }),
  thresholds: z
    .array(thresholdSchema, { error: 'thresholds must be a list of { percent, action }' })
    .min(1, 'thresholds must not be empty (leave it out for the default)')
    .optional(),
});

/** `budgets:` of a warehouse: at most one per period, thresholds sorted by percent. */
export const budgetsSchema = z
  .array(budgetSchema, { error: 'budgets must be a list of { period, executorHours, thresholds? }' })
  .superRefine((list, ctx) => {
    const seen = new Map<string, number>();
    list.forEach((b, i) => {
      const label = budgetLabel(b.period);
      const first = seen.get(label);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'period'],
          message: `${label} is also budget #${first + 1}'s period; set one budget per period`,
        });
      else seen.set(label, i);
      if (!(b.executorHours > 0))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'executorHours'],
          message: `${label}: executorHours must be > 0 (a budget of zero would hold the warehouse suspended at once; leave the budget out for none)`,
        });
      const percents = (b.thresholds ?? []).map((t) => t.percent);
      const twice = percents.find((p, k) => percents.indexOf(p) !== k);
      if (twice !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'thresholds'],
          message: `${label}: two thresholds at ${twice} %; set one action per percent`,
        });
    });
  })
  .transform((list): BudgetSpec[] =>
    list.map((b) => ({
      period: b.period,
      executorHours: b.executorHours,
      thresholds: [...(b.thresholds ?? DEFAULT_THRESHOLDS)].sort((x, y) => x.percent - y.percent),
    })),
  );
