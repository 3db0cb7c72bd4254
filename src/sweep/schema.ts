import { z } from 'zod';
import { SeedSchema } from './seed.js';
import { canonicalLevel } from './level.js';
import { lineageCycle } from './lineage.js';

/** Factor names become template placeholders and CSV columns, so keep them plain. */
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier (letters, digits, underscore)');

const reservedFactorNames = new Set(['image', 'sha256', 'prompt', 'seed', 'metric', 'model', 'value', 'path']);

export const FactorLevelSchema = z.union([z.string().min(1), z.number()]);

export const PromptKindSchema = z.enum(['concept', 'unrelated', 'style']);

export const PromptSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'prompt ids may use letters, digits, "_", "." and "-"'),
    kind: PromptKindSchema,
    text: z.string().min(1),
    tags: z.array(z.string().min(1)).optional().describe('danbooru tags this prompt asks for (prompt_tag_fidelity); default: read from the text'),
  })
  .strict();

export const LoraSchema = z
  .object({
    name: z.string().min(1).optional(),
    trigger: z.string().min(1).describe('trigger word used in concept prompts'),
    description: z.string().min(1).describe('plain words that replace the trigger when a prompt is scored against an image'),
    concept_tags: z.array(z.string().min(1)).default([]).describe('tagger tags that show the concept'),
    references: z.string().min(1).describe('folder of reference (training) images, relative to the sweep file'),
    style_references: z.string().min(1).optional().describe('folder of images that carry the trained style; default: references'),
    tag_thresholds: z.record(z.string(), z.number().min(0).max(1)).optional().describe('per-tag detection thresholds that override the category defaults'),
  })
  .strict();

export const ExplicitImageSchema = z
  .object({
    path: z.string().min(1),
    prompt: z.string().min(1),
    seed: SeedSchema,
  })
  .catchall(FactorLevelSchema)
  .describe('one image with its factor levels given inline, e.g. { path, base, target, weight, prompt, seed }');

export const ModelInfoSchema = z
  .object({
    ancestors: z.array(z.string().min(1)).default([]).describe('models this one was fine-tuned or merged from; their own ancestors count too'),
  })
  .strict();

export const ImagesSchema = z.union([
  z.string().min(1).describe('path template, e.g. "{base}/{target}/w{weight}/{prompt}-{seed}.png"'),
  z
    .object({
      template: z.string().min(1),
      native: z.string().min(1).optional().describe('template for weight-0 images, which no LoRA factor changes, e.g. "native/{target}/{prompt}-{seed}.png"'),
    })
    .strict(),
  z.array(ExplicitImageSchema).min(1),
]);

export const SweepSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().min(1),
    root: z.string().min(1).optional().describe('folder the image paths are relative to; default: the sweep file folder'),
    lora: LoraSchema,
    factors: z.record(identifier, z.array(FactorLevelSchema).min(1)).describe('named factors of the design with their levels; target and weight are required'),
    lora_factors: z.array(identifier).optional().describe('factors that only matter when the LoRA is applied (default: every factor but target and weight)'),
    prompts: z.array(PromptSchema).min(1),
    seeds: z.array(SeedSchema).min(1).describe('generation seeds; quote seeds beyond 2^53, e.g. "18446744073709551615"'),
    images: ImagesSchema,
    models: z
      .record(z.string().min(1), ModelInfoSchema)
      .optional()
      .describe('what is known about the models that are levels of base or target, e.g. { chilloutmix: { ancestors: [nai, sd15] } }'),
    exclude: z
      .array(
        z
          .record(identifier, z.union([FactorLevelSchema, z.array(FactorLevelSchema).min(1)]))
          .refine((r) => Object.keys(r).length > 0, 'an exclude rule names at least one factor'),
      )
      .optional()
      .describe(
        'level combinations of the image template that were not generated, e.g. [{ checkpoint: [e4, e8], clip_skip: 1 }]: a combination is left out when it matches every factor of a rule (a list: any of its levels)',
      ),
    costs: z
      .record(identifier, z.record(z.string(), z.number().positive()))
      .optional()
      .describe('GPU-hours per level of a factor, e.g. { resolution: { 512: 0.4, 768: 0.9 } } (written by plan); claims report gains per GPU-hour'),
  })
  .strict()
  .superRefine((sweep, ctx) => {
    const factors = sweep.factors;
    for (const required of ['target', 'weight']) {
      if (!(required in factors)) {
        ctx.addIssue({ code: 'custom', path: ['factors'], message: `factor "${required}" is required` });
      }
    }
    for (const name of Object.keys(factors)) {
      if (reservedFactorNames.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['factors', name], message: `"${name}" is reserved for a scores.csv column` });
      }
      // "1" and "1.0" are one level to every command that reads the scores, so they are one level here too.
      const seen = new Map<string, string>();
      factors[name].forEach((level, i) => {
        const key = canonicalLevel(String(level));
        const earlier = seen.get(key);
        if (earlier !== undefined) {
          const same = earlier === String(level) ? '' : ` (the same level as "${earlier}")`;
          ctx.addIssue({ code: 'custom', path: ['factors', name, i], message: `duplicate level "${String(level)}"${same}` });
        }
        seen.set(key, String(level));
      });
    }
    (factors.weight ?? []).forEach((level, i) => {
      const w = Number(level);
      if (!Number.isFinite(w) || w < 0) {
        ctx.addIssue({ code: 'custom', path: ['factors', 'weight', i], message: `weight must be a number ≥ 0, got "${level}"` });
      }
    });
    for (const [i, name] of (sweep.lora_factors ?? []).entries()) {
      if (!(name in factors)) {
        ctx.addIssue({ code: 'custom', path: ['lora_factors', i], message: `unknown factor "${name}"; factors are ${Object.keys(factors).join(', ')}` });
      }
      if (name === 'target' || name === 'weight') {
        ctx.addIssue({ code: 'custom', path: ['lora_factors', i], message: `"${name}" cannot be a LoRA-only factor` });
      }
    }
    for (const [name, info] of Object.entries(sweep.models ?? {})) {
      info.ancestors.forEach((a, i) => {
        if (a === name) ctx.addIssue({ code: 'custom', path: ['models', name, 'ancestors', i], message: `a model cannot be its own ancestor` });
      });
    }
    if (sweep.exclude && Array.isArray(sweep.images)) {
      ctx.addIssue({ code: 'custom', path: ['exclude'], message: 'exclude applies to an image template; an explicit image list names only the images it has' });
    }
    (sweep.exclude ?? []).forEach((rule, i) => {
      for (const [name, value] of Object.entries(rule)) {
        if (!(name in factors)) {
          ctx.addIssue({ code: 'custom', path: ['exclude', i, name], message: `unknown factor "${name}"; factors are ${Object.keys(factors).join(', ')}` });
          continue;
        }
        const known = factors[name].map(String);
        for (const level of Array.isArray(value) ? value : [value]) {
          if (!known.some((k) => canonicalLevel(k) === canonicalLevel(String(level))))
            ctx.addIssue({ code: 'custom', path: ['exclude', i, name], message: `"${level}" is not a level of ${name}; levels: ${known.join(', ')}` });
        }
      }
    });
    const cycle = sweep.models && lineageCycle(sweep.models);
    if (cycle) ctx.addIssue({ code: 'custom', path: ['models'], message: cycle });
    for (const [factor, levels] of Object.entries(sweep.costs ?? {})) {
      const known = (factors[factor] ?? []).map(String);
      if (!(factor in factors)) {
        ctx.addIssue({ code: 'custom', path: ['costs', factor], message: `unknown factor "${factor}"; factors are ${Object.keys(factors).join(', ')}` });
        continue;
      }
      // Cost keys name levels as the scores do: "1.0" is the cost of level 1.
      const keyOf = new Map<string, string>();
      for (const key of Object.keys(levels)) {
        const level = canonicalLevel(key);
        const earlier = keyOf.get(level);
        if (earlier !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['costs', factor, key],
            message: `"${earlier}" and "${key}" are the same level of ${factor}; give its cost once`,
          });
        else keyOf.set(level, key);
      }
      for (const level of known) {
        if (!keyOf.has(canonicalLevel(level))) ctx.addIssue({ code: 'custom', path: ['costs', factor], message: `no cost for ${factor} level "${level}"` });
      }
      for (const key of Object.keys(levels)) {
        if (!known.some((k) => canonicalLevel(k) === canonicalLevel(key)))
          ctx.addIssue({ code: 'custom', path: ['costs', factor, key], message: `"${key}" is not a level of ${factor}; levels: ${known.join(', ')}` });
      }
    }
    const promptIds = new Set<string>();
    const promptTexts = new Map<string, string>();
    sweep.prompts.forEach((p, i) => {
      if (promptIds.has(p.id)) ctx.addIssue({ code: 'custom', path: ['prompts', i, 'id'], message: `duplicate prompt id "${p.id}"` });
      promptIds.add(p.id);
      // Prompts are the independent units of every test: one text under two ids would count its images twice.
      const text = p.text.trim().replace(/\s+/g, ' ');
      const earlier = promptTexts.get(text);
      if (earlier !== undefined && earlier !== p.id)
        ctx.addIssue({
          code: 'custom',
          path: ['prompts', i, 'text'],
          message: `prompt "${p.id}" has the same text as prompt "${earlier}"; one prompt under two ids would be counted as two independent prompts (give it more seeds instead)`,
        });
      promptTexts.set(text, earlier ?? p.id);
    });
    // Seeds are canonical strings by now, so 7, "7" and "007" are one seed.
    const seeds = new Set<string>();
    sweep.seeds.forEach((s, i) => {
      if (seeds.has(s)) ctx.addIssue({ code: 'custom', path: ['seeds', i], message: `duplicate seed ${s}` });
      seeds.add(s);
    });
  });

export type Sweep = z.infer<typeof SweepSchema>;
export type SweepPrompt = z.infer<typeof PromptSchema>;
export type PromptKind = z.infer<typeof PromptKindSchema>;
export type LoraSpec = z.infer<typeof LoraSchema>;
export type ExplicitImage = z.infer<typeof ExplicitImageSchema>;
/** A sweep as written in YAML, before seeds become canonical strings. */
export type SweepInput = z.input<typeof SweepSchema>;
