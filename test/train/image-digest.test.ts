import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  hasValidDigest,
  parseImageRef,
  parseImagetoolsInspect,
  parseRepoDigests,
  resolveImageDigest,
  systemRunner,
  type CommandRunner,
} from '../../src/train/image-digest.js';
import { ExperimentError, parseExperimentText } from '../../src/train/load-experiment.js';
import { planExperiment } from '../../src/train/plan.js';
import { smallExperiment } from './experiment-fixture.js';

/** `docker buildx imagetools inspect alpine` as recorded in docker/buildx docs/reference/buildx_imagetools_inspect.md. */
const IMAGETOOLS_ALPINE = `Name:      docker.io/library/alpine:latest
MediaType: application/vnd.docker.distribution.manifest.list.v2+json
Digest:    sha256:21a3deaa0d32a8057914f36584b5288d2e5ecc984380bc0118285c70fa8c9300

Manifests:
  Name:      docker.io/library/alpine:latest@sha256:e7d88de73db3d3fd9b2d63aa7f447a10fd0220b7cbf39803c803f2af9ba256b3
  MediaType: application/vnd.docker.distribution.manifest.v2+json
  Platform:  linux/amd64

  Name:      docker.io/library/alpine:latest@sha256:e047bc2af17934d38c5a7fa9f46d443f1de3a7675546402592ef805cfa929f9d
  MediaType: application/vnd.docker.distribution.manifest.v2+json
  Platform:  linux/arm/v6
`;
const ALPINE_INDEX = 'sha256:21a3deaa0d32a8057914f36584b5288d2e5ecc984380bc0118285c70fa8c9300';
const CUDA_DIGEST = 'sha256:2d913b09e6be8387e1a10976933642c73c840c0b735f0bf3c28d97fc9bc422e0';

/** A Docker client stand-in that answers from a table keyed by the arguments. */
function fakeDocker(answers: Record<string, { status: number; stdout?: string; stderr?: string }>): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  const run = ((command: string, args: string[]) => {
    const key = [command, ...args].join(' ');
    calls.push(key);
    const a = answers[key] ?? { status: 1, stderr: 'Error: No such image' };
    return { status: a.status, stdout: a.stdout ?? '', stderr: a.stderr ?? '' };
  }) as CommandRunner & { calls: string[] };
  run.calls = calls;
  return run;
}

const noDocker: CommandRunner = () => ({ status: null, stdout: '', stderr: '', missing: true });

describe('image references', () => {
  it('split into name, tag and digest, registry ports included', () => {
    expect(parseImageRef('nvidia/cuda:12.2.2-runtime-ubuntu22.04')).toEqual({ name: 'nvidia/cuda', tag: '12.2.2-runtime-ubuntu22.04', digest: undefined });
    expect(parseImageRef(`localhost:5000/x/y@${CUDA_DIGEST}`)).toEqual({ name: 'localhost:5000/x/y', tag: undefined, digest: CUDA_DIGEST });
    expect(hasValidDigest(`nvidia/cuda:12@${CUDA_DIGEST}`)).toBe(true);
    expect(hasValidDigest('nvidia/cuda:12@sha256:abc')).toBe(false);
  });

  it('read the index digest from recorded `docker buildx imagetools inspect` output', () => {
    expect(parseImagetoolsInspect(IMAGETOOLS_ALPINE)).toBe(ALPINE_INDEX);
    expect(parseImagetoolsInspect('Name: x\n')).toBeUndefined();
  });

  it("read the repository's digest from `docker image inspect --format '{{json .RepoDigests}}'`", () => {
    const out = JSON.stringify([`docker.io/library/alpine@${ALPINE_INDEX}`, `myregistry/alpine@${CUDA_DIGEST}`]) + '\n';
    expect(parseRepoDigests(out, 'alpine')).toBe(ALPINE_INDEX);
    expect(parseRepoDigests(out, 'myregistry/alpine')).toBe(CUDA_DIGEST);
    expect(parseRepoDigests('[]', 'alpine')).toBeUndefined();
    expect(parseRepoDigests('not json', 'alpine')).toBeUndefined();
  });
});

describe('resolving a tag to a digest', () => {
  it('keeps a reference that already has a digest, without asking Docker', () => {
    const docker = fakeDocker({});
    expect(resolveImageDigest(`nvidia/cuda:12@${CUDA_DIGEST}`, docker)).toEqual({ ok: true, image: `nvidia/cuda:12@${CUDA_DIGEST}`, via: 'given' });
    expect(docker.calls).toEqual([]);
  });

  it('uses a pulled image first, then the registry through buildx', () => {
    const local = fakeDocker({
      'docker image inspect --format {{json .RepoDigests}} alpine:latest': { status: 0, stdout: JSON.stringify([`alpine@${ALPINE_INDEX}`]) },
    });
    expect(resolveImageDigest('alpine:latest', local)).toEqual({ ok: true, image: `alpine:latest@${ALPINE_INDEX}`, via: 'docker image inspect' });
    const remote = fakeDocker({ 'docker buildx imagetools inspect alpine:latest': { status: 0, stdout: IMAGETOOLS_ALPINE } });
    expect(resolveImageDigest('alpine:latest', remote)).toEqual({ ok: true, image: `alpine:latest@${ALPINE_INDEX}`, via: 'docker buildx imagetools inspect' });
    expect(remote.calls).toHaveLength(2);
  });

  it('says why when Docker is missing or cannot resolve the tag', () => {
    expect(resolveImageDigest('alpine:latest', noDocker)).toEqual({ ok: false, reason: 'no Docker client is installed here to resolve it' });
    const failing = fakeDocker({ 'docker buildx imagetools inspect alpine:nope': { status: 1, stderr: 'ERROR: alpine:nope: not found' } });
    expect(resolveImageDigest('alpine:nope', failing)).toEqual({
      ok: false,
      reason:
        'the Docker client could not resolve it (docker image inspect: Error: No such image; docker buildx imagetools inspect: ERROR: alpine:nope: not found)',
    });
  });

  it('tells a program that is not installed from one that fails', () => {
    expect(systemRunner('lora-eval-no-such-program', []).missing).toBe(true);
    expect(systemRunner('node', ['-e', 'process.exit(3)'])).toMatchObject({ status: 3 });
  });

  it.skipIf(spawnSync('docker', ['--version']).status === 0)('finds no Docker client on a machine without one', () => {
    expect(resolveImageDigest('alpine:latest')).toEqual({ ok: false, reason: 'no Docker client is installed here to resolve it' });
  });

  it('plan stops on an image given by tag alone and says how to pin it', () => {
    const exp = smallExperiment();
    exp.pins.base_image = 'nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04';
    const loaded = parseExperimentText(stringify(exp), '/x/experiment.yaml');
    let error: unknown;
    try {
      planExperiment(loaded, { outDir: '/x/run', docker: noDocker });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ExperimentError);
    const [problem, ...rest] = (error as ExperimentError).problems;
    expect(rest).toEqual([]);
    expect(problem.field).toBe('pins.base_image');
    expect(problem.line).toBeGreaterThan(0);
    expect(problem.message).toContain('is not pinned by digest and no Docker client is installed here');
    expect(problem.message).toContain('docker buildx imagetools inspect nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04');
  });

  it('plan pins a tag the Docker client resolves', () => {
    const exp = smallExperiment();
    exp.pins.base_image = 'nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04';
    const loaded = parseExperimentText(stringify(exp), '/x/experiment.yaml');
    const docker = fakeDocker({
      'docker buildx imagetools inspect nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04': { status: 0, stdout: `Name: x\nDigest:    ${CUDA_DIGEST}\n` },
    });
    const plan = planExperiment(loaded, { outDir: '/x/run', docker });
    expect(plan.baseImage).toEqual({ image: `nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04@${CUDA_DIGEST}`, via: 'docker buildx imagetools inspect' });
    expect(plan.files.find((f) => f.path === 'container/Dockerfile')!.content).toContain(`FROM nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04@${CUDA_DIGEST}\n`);
  });
});
