/** Pinning the container base image to a digest, with the local Docker client when the experiment gives a tag only. */
import { spawnSync } from 'node:child_process';

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The program is not installed. */
  missing?: boolean;
}
export type CommandRunner = (command: string, args: string[]) => CommandResult;

export const systemRunner: CommandRunner = (command, args) => {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return { status: null, stdout: '', stderr: '', missing: true };
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? r.error.message : '') };
};

export interface ImageRef {
  /** Repository, with registry when given: "nvidia/cuda", "ghcr.io/org/img", "localhost:5000/x". */
  name: string;
  tag?: string;
  /** "sha256:<64 hex>" */
  digest?: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function parseImageRef(ref: string): ImageRef {
  const [nameTag, digest] = ref.split('@', 2);
  const slash = nameTag.lastIndexOf('/');
  const colon = nameTag.lastIndexOf(':');
  const hasTag = colon > slash;
  return { name: hasTag ? nameTag.slice(0, colon) : nameTag, tag: hasTag ? nameTag.slice(colon + 1) : undefined, digest };
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.name}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

export function hasValidDigest(ref: string): boolean {
  const digest = parseImageRef(ref).digest;
  return digest !== undefined && DIGEST.test(digest);
}

/** "docker.io/library/alpine" and "alpine" name the same repository. */
function canonicalName(name: string): string {
  let n = name.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
  if (!n.includes('/')) n = `library/${n}`;
  return n.replace(/^library\/library\//, 'library/');
}

/** Digest from `docker image inspect --format '{{json .RepoDigests}}' <image>`: the entry of the image's repository. */
export function parseRepoDigests(stdout: string, repository: string): string | undefined {
  let list: unknown;
  try {
    list = JSON.parse(stdout.trim());
  } catch {
    return undefined;
  }
  if (!Array.isArray(list)) return undefined;
  const want = canonicalName(repository);
  for (const entry of list) {
    if (typeof entry !== 'string') continue;
    const at = entry.lastIndexOf('@');
    const digest = entry.slice(at + 1);
    if (at > 0 && canonicalName(entry.slice(0, at)) === want && DIGEST.test(digest)) return digest;
  }
  return undefined;
}

/** Digest from the text of `docker buildx imagetools inspect <image>`: the top-level "Digest:" line (index or manifest). */
export function parseImagetoolsInspect(stdout: string): string | undefined {
  for (const line of stdout.split('\n')) {
    const m = /^Digest:\s+(sha256:[0-9a-f]{64})\s*$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

export type DigestResolution = { ok: true; image: string; via: string } | { ok: false; reason: string };

/**
 * Returns the image pinned by digest. A reference that has one is returned as is; otherwise the local Docker
 * client is asked: first for a pulled image's RepoDigests, then the registry through buildx imagetools.
 */
export function resolveImageDigest(image: string, run: CommandRunner = systemRunner): DigestResolution {
  const ref = parseImageRef(image);
  if (ref.digest) {
    return DIGEST.test(ref.digest) ? { ok: true, image, via: 'given' } : { ok: false, reason: `"${ref.digest}" is not a sha256 digest (sha256:<64 hex>)` };
  }
  const local = run('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', image]);
  if (local.missing) return { ok: false, reason: 'no Docker client is installed here to resolve it' };
  const fromLocal = local.status === 0 ? parseRepoDigests(local.stdout, ref.name) : undefined;
  if (fromLocal) return { ok: true, image: formatImageRef({ ...ref, digest: fromLocal }), via: 'docker image inspect' };
  const remote = run('docker', ['buildx', 'imagetools', 'inspect', image]);
  const fromRemote = remote.status === 0 ? parseImagetoolsInspect(remote.stdout) : undefined;
  if (fromRemote) return { ok: true, image: formatImageRef({ ...ref, digest: fromRemote }), via: 'docker buildx imagetools inspect' };
  const first = (r: CommandResult) => (r.missing ? 'not installed' : r.stderr.trim().split('\n')[0] || `exit ${r.status}`);
  return {
    ok: false,
    reason: `the Docker client could not resolve it (docker image inspect: ${first(local)}; docker buildx imagetools inspect: ${first(remote)})`,
  };
}

/** How to pin an image by hand, for the message when it cannot be resolved here. */
export function howToPin(image: string): string {
  return (
    `give it as ${image}@sha256:<digest>: on a machine with Docker run \`docker buildx imagetools inspect ${image}\` ` +
    `(the "Digest:" line) or \`docker pull ${image}\` (it prints "Digest: sha256:…"), or copy the digest from the registry's page for the tag`
  );
}
