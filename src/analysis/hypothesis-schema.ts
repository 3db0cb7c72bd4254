import { z } from 'zod';

const Level = z.union([z.string(), z.number()]);
/**
 * A level chosen by its relation to the row's level of another factor, from the sweep's models: ancestry:
 * { ancestor_of: target } (the base is a declared ancestor of the row's target, transitively) or
 * { same_as: target } (the base is the target's own checkpoint).
 */
export const RelationSchema = z.union([
  z.object({ ancestor_of: z.string().min(1).describe('the factor whose model this level must be an ancestor of') }).strict(),
  z.object({ same_as: z.string().min(1).describe('the factor whose level this level must equal') }).strict(),
]);
/** Factor → level, list of levels or relation, e.g. { base: nai, weight: 1, target: [anything, counterfeit] }. */
export const SelectorSchema = z.record(z.string(), z.union([Level, z.array(Level).min(1), RelationSchema]));

/** The numbered claim of the study a hypothesis states, printed beside its verdict. */
const claimLabel = z
  .union([z.string().min(1), z.number()])
  .transform(String)
  .optional()
  .describe('the claim of the study this states, e.g. "1a"');

const common = {
  id: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'hypothesis ids may use letters, digits, "_", "." and "-"'),
  claim: claimLabel,
  description: z.string().optional(),
  metric: z.string().min(1).describe('a metric of scores.csv, e.g. style_retention'),
  model: z.string().optional().describe('model column to use when the scores hold more than one model for the metric'),
  where: SelectorSchema.optional().describe('levels held fixed for every test of this hypothesis'),
  across: z
    .union([z.string(), z.array(z.string()).min(1)])
    .optional()
    .describe('factor(s) whose levels each get their own test; the tests are corrected together'),
  alpha: z.number().gt(0).lt(1).default(0.05),
  correction: z.enum(['holm', 'BH', 'bonferroni', 'none']).default('holm'),
};

/** The unit of inference of a paired or dose-response test. */
const unit = z
  .enum(['prompt', 'image'])
  .default('prompt')
  .describe(
    'prompt (default): each prompt contributes one value (its mean over the seeds), and the test runs across prompts; image: every image (pair) counts as independent, which overstates certainty when prompts differ',
  );

/**
 * The price a gain is worth: the smallest gain of the metric per extra GPU-hour worth paying for. Judged on the CI
 * of the gain per GPU-hour (see claims/worth-it.ts), apart from the claim's own verdict.
 */
export const WorthItSchema = z
  .object({
    min_gain_per_gpu_hour: z
      .number()
      .finite()
      .describe("the smallest gain per extra GPU-hour worth paying for, in the metric's unit per GPU-hour and its better direction"),
    higher_is_better: z.boolean().optional().describe("the metric's direction; default: from the metric registry"),
  })
  .strict()
  .describe('worth it when the whole CI of the gain per GPU-hour lies above min_gain_per_gpu_hour; not worth it when it lies below');

export const CompareClaimSchema = z
  .object({
    ...common,
    compare: z.object({ a: SelectorSchema, b: SelectorSchema }).strict(),
    expect: z.enum(['less', 'greater', 'different']).describe('a < b, a > b, or any difference'),
    test: z.enum(['wilcoxon', 't']).default('wilcoxon'),
    unit,
    worth_it: WorthItSchema.optional().describe('the sides differ in one factor with costs: is the gain worth its GPU-hours?'),
  })
  .strict();

export const EquivalenceClaimSchema = z
  .object({
    ...common,
    equivalence: z.object({ a: SelectorSchema, b: SelectorSchema, margin: z.number().positive() }).strict(),
    test: z.enum(['t', 'wilcoxon']).default('t'),
    unit,
  })
  .strict();

export const NonInferiorityClaimSchema = z
  .object({
    ...common,
    non_inferiority: z
      .object({
        a: SelectorSchema.describe('the new condition'),
        b: SelectorSchema.describe('the reference'),
        margin: z.number().positive().describe('how much worse a may be than b and still count as not inferior'),
        higher_is_better: z.boolean().optional().describe("the metric's direction; default: from the metric registry"),
      })
      .strict(),
    test: z.enum(['t', 'wilcoxon']).default('t'),
    unit,
  })
  .strict();

export const CorrelationClaimSchema = z
  .object({
    ...common,
    correlation: z
      .object({
        with: z.string().min(1).describe('"model_distance" (between the levels of the two factors in over) or another metric'),
        over: z.array(z.string()).min(1).describe('factors whose level combinations are the points, e.g. [base, target]'),
      })
      .strict(),
    expect: z.enum(['positive', 'negative']),
  })
  .strict();

export const DoseResponseClaimSchema = z
  .object({
    ...common,
    dose_response: z.object({ factor: z.string().default('weight') }).strict(),
    expect: z.enum(['increasing', 'decreasing']),
    unit,
    worth_it: WorthItSchema.optional().describe('the factor has costs: is the gain along it worth its GPU-hours?'),
  })
  .strict();

/** The union, as published in JSON Schema for editors. */
export const ClaimSchema = z.union([CompareClaimSchema, EquivalenceClaimSchema, NonInferiorityClaimSchema, CorrelationClaimSchema, DoseResponseClaimSchema]);

const claimKinds = {
  compare: CompareClaimSchema,
  equivalence: EquivalenceClaimSchema,
  non_inferiority: NonInferiorityClaimSchema,
  correlation: CorrelationClaimSchema,
  dose_response: DoseResponseClaimSchema,
} as const;

/**
 * Validates one claim against the schema its key names (compare, equivalence, correlation or dose_response),
 * so that errors point at the claim's own fields instead of a failed union.
 */
const ClaimBySchemaKey = z.record(z.string(), z.unknown()).transform((value, ctx) => {
  const kinds = Object.keys(claimKinds).filter((k) => k in value) as (keyof typeof claimKinds)[];
  if (kinds.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message: kinds.length
        ? `a hypothesis has exactly one of ${Object.keys(claimKinds).join(', ')}; found ${kinds.join(' and ')}`
        : `a hypothesis needs one of ${Object.keys(claimKinds).join(', ')}`,
    });
    return z.NEVER;
  }
  const result = claimKinds[kinds[0]].safeParse(value);
  if (!result.success) {
    for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  }
  return result.data as Claim;
});

const hypothesisId = common.id;

/**
 * A compound hypothesis: several claims that must all hold. Each part keeps its own test family and correction;
 * the compound's verdict combines the parts' verdicts (see verdict.ts).
 */
export const CompoundClaimSchema = z
  .object({
    id: hypothesisId,
    claim: claimLabel,
    description: z.string().optional(),
    all: z.array(ClaimBySchemaKey).min(2, 'all: needs at least two claims'),
  })
  .strict();

/** A floor: an absolute value the candidate's mean must reach, or "none" for no floor on that metric. */
const FloorValueSchema = z.union([z.number(), z.literal('none').transform(() => null)]);

/**
 * The choice `analyze --choose` makes, stated with the claims: the level combination of `factors` with the highest
 * mean of `metric` whose floors hold. The command-line options override it (--choose the factors, --choose-metric
 * the metric, --choose-floor each floor it names).
 */
export const ChooseSectionSchema = z
  .object({
    id: hypothesisId.optional(),
    claim: claimLabel,
    description: z.string().optional(),
    factors: z
      .union([
        z
          .string()
          .min(1)
          .transform((f) => [f]),
        z.array(z.string().min(1)).min(1, 'name at least one factor, e.g. [checkpoint, weight]'),
      ])
      .describe('factors to choose a level combination of, e.g. [checkpoint, weight]'),
    metric: z.string().min(1).optional().describe('concept metric to maximize; default concept_detection, else concept_similarity'),
    floors: z
      .record(z.string().min(1), FloorValueSchema)
      .optional()
      .describe(
        'absolute floor per metric, e.g. { base_preservation: 0.9 }; "none": no floor. prompt_fidelity defaults to its weight-0 mean minus its margin; base_preservation must be stated',
      ),
  })
  .strict();

const EntryBySchemaKey = z.record(z.string(), z.unknown()).transform((value, ctx): Hypothesis => {
  const schema = 'all' in value ? CompoundClaimSchema : ClaimBySchemaKey;
  const result = schema.safeParse(value);
  if (!result.success) {
    for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  }
  return result.data as Hypothesis;
});

export const HypothesesSchema = z
  .object({
    $schema: z.string().optional(),
    hypotheses: z.array(EntryBySchemaKey).default([]),
    choose: ChooseSectionSchema.optional(),
  })
  .strict()
  .superRefine((file, ctx) => {
    if (file.hypotheses.length === 0 && !file.choose)
      ctx.addIssue({ code: 'custom', path: ['hypotheses'], message: 'needs at least one hypothesis (or a choose: section)' });
    const ids = new Set<string>();
    const see = (id: string, path: (string | number)[]) => {
      if (ids.has(id)) ctx.addIssue({ code: 'custom', path, message: `duplicate hypothesis id "${id}"` });
      ids.add(id);
    };
    if (file.choose?.id) see(file.choose.id, ['choose', 'id']);
    file.hypotheses.forEach((h, i) => {
      see(h.id, ['hypotheses', i, 'id']);
      if (isCompound(h)) h.all.forEach((part, j) => see(part.id, ['hypotheses', i, 'all', j, 'id']));
    });
  });

export type Selector = z.infer<typeof SelectorSchema>;
export type CompareClaim = z.infer<typeof CompareClaimSchema>;
export type EquivalenceClaim = z.infer<typeof EquivalenceClaimSchema>;
export type NonInferiorityClaim = z.infer<typeof NonInferiorityClaimSchema>;
export type CorrelationClaim = z.infer<typeof CorrelationClaimSchema>;
export type DoseResponseClaim = z.infer<typeof DoseResponseClaimSchema>;
export type Claim = z.infer<typeof ClaimSchema>;
export type Relation = z.infer<typeof RelationSchema>;
export type WorthIt = z.infer<typeof WorthItSchema>;
export type ChooseSection = z.output<typeof ChooseSectionSchema>;
export interface CompoundClaim {
  id: string;
  claim?: string;
  description?: string;
  all: Claim[];
}
/** One entry of hypotheses.yaml: a claim, or a compound of claims that must all hold. */
export type Hypothesis = Claim | CompoundClaim;

export function isCompound(h: Hypothesis): h is CompoundClaim {
  return 'all' in h;
}
export type HypothesesFile = z.output<typeof HypothesesSchema>;

/** JSON Schema of hypotheses.yaml. */
export const HypothesesJsonSchema = z
  .object({
    $schema: z.string().optional(),
    hypotheses: z
      .array(
        z.union([
          ClaimSchema,
          z.object({ id: hypothesisId, claim: claimLabel, description: z.string().optional(), all: z.array(ClaimSchema).min(2) }).strict(),
        ]),
      )
      .optional(),
    choose: ChooseSectionSchema.optional(),
  })
  .strict();

export function claimType(claim: Claim): keyof typeof claimKinds {
  if ('compare' in claim) return 'compare';
  if ('equivalence' in claim) return 'equivalence';
  if ('non_inferiority' in claim) return 'non_inferiority';
  if ('correlation' in claim) return 'correlation';
  return 'dose_response';
}

/** The two sides a paired claim compares, with the key that holds them. */
export function comparedSides(claim: Claim): { kind: 'compare' | 'equivalence' | 'non_inferiority'; a: Selector; b: Selector } | undefined {
  if ('compare' in claim) return { kind: 'compare', a: claim.compare.a, b: claim.compare.b };
  if ('equivalence' in claim) return { kind: 'equivalence', a: claim.equivalence.a, b: claim.equivalence.b };
  if ('non_inferiority' in claim) return { kind: 'non_inferiority', a: claim.non_inferiority.a, b: claim.non_inferiority.b };
  return undefined;
}
