import { z } from 'zod';

// The part of the Kubernetes batch/v1 Job schema that docs/kubernetes-indexed-job.yaml uses, with the API server's
// validation rules for it (kubernetes/pkg/apis/batch/validation and core/validation). Objects are strict: a field
// outside this subset, or a misspelt one, is refused; extend the schema from the API reference when the manifest
// grows. Written by hand because kubectl validates only against a live API server.

const dnsLabel = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label');
const dnsSubdomain = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS-1123 subdomain');
const int32 = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);
const quantity = z.union([z.string().regex(/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+|[numkMGTPE]|[KMGTPE]i)?$/), z.number()]);

const envVar = z.strictObject({
  name: z.string().regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/, 'must be a valid environment variable name'),
  value: z.string(),
});

const container = z.strictObject({
  name: dnsLabel,
  image: z.string().min(1),
  workingDir: z.string().startsWith('/').optional(),
  command: z.array(z.string()).min(1).optional(),
  args: z.array(z.string()).optional(),
  env: z.array(envVar).optional(),
  resources: z.strictObject({ limits: z.record(z.string(), quantity).optional(), requests: z.record(z.string(), quantity).optional() }).optional(),
  volumeMounts: z
    .array(z.strictObject({ name: dnsLabel, mountPath: z.string().startsWith('/'), readOnly: z.boolean().optional(), subPath: z.string().optional() }))
    .optional(),
});

const volume = z.strictObject({
  name: dnsLabel,
  persistentVolumeClaim: z.strictObject({ claimName: dnsSubdomain, readOnly: z.boolean().optional() }),
});

export const jobSchema = z
  .strictObject({
    apiVersion: z.literal('batch/v1'),
    kind: z.literal('Job'),
    metadata: z.strictObject({ name: dnsSubdomain, namespace: dnsLabel.optional(), labels: z.record(z.string(), z.string()).optional() }),
    spec: z.strictObject({
      completionMode: z.enum(['NonIndexed', 'Indexed']).optional(),
      completions: int32.optional(),
      parallelism: int32.optional(),
      backoffLimit: int32.optional(),
      backoffLimitPerIndex: int32.optional(),
      maxFailedIndexes: int32.optional(),
      activeDeadlineSeconds: z.number().int().positive().optional(),
      ttlSecondsAfterFinished: int32.optional(),
      template: z.strictObject({
        metadata: z.strictObject({ labels: z.record(z.string(), z.string()).optional() }).optional(),
        spec: z.strictObject({
          restartPolicy: z.enum(['OnFailure', 'Never']),
          containers: z.array(container).min(1),
          volumes: z.array(volume).optional(),
        }),
      }),
    }),
  })
  .superRefine((job, ctx) => {
    const { spec } = job;
    const pod = spec.template.spec;
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (spec.completionMode === 'Indexed') {
      if (spec.completions === undefined) issue(['spec', 'completions'], 'is required when completionMode is Indexed');
      else if (spec.completions > 100_000) issue(['spec', 'completions'], 'must be at most 100000 when completionMode is Indexed');
    }
    if (spec.backoffLimitPerIndex !== undefined) {
      if (spec.completionMode !== 'Indexed') issue(['spec', 'backoffLimitPerIndex'], 'requires completionMode Indexed');
      if (pod.restartPolicy !== 'Never') issue(['spec', 'template', 'spec', 'restartPolicy'], 'must be Never with backoffLimitPerIndex');
    }
    if (spec.maxFailedIndexes !== undefined && spec.backoffLimitPerIndex === undefined) issue(['spec', 'maxFailedIndexes'], 'requires backoffLimitPerIndex');
    const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
    pod.containers.forEach((c, i) =>
      (c.volumeMounts ?? []).forEach((m, j) => {
        if (!volumes.has(m.name)) issue(['spec', 'template', 'spec', 'containers', i, 'volumeMounts', j, 'name'], `no volume named "${m.name}"`);
      }),
    );
  });

export type Job = z.infer<typeof jobSchema>;
