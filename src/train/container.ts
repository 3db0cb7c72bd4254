import { createHash } from 'node:crypto';
import type { Experiment } from './experiment-schema.js';
import { parseImageRef } from './image-digest.js';
import { SD_SCRIPTS_DIR } from './layout.js';
import type { SdScriptsVersion } from './sd-scripts-args/index.js';

export interface ContainerFiles {
  dockerfile: string;
  /** sd-scripts' requirements, every one pinned with ==, without the editable install. */
  requirements: string;
  /** torch and torchvision, so that resolving the requirements cannot replace them. */
  constraints: string;
  /** Docker tag for the image: the experiment name and a hash of the three files. */
  imageTag: string;
}

/** sd-scripts' requirements with every package pinned: unpinned ones from pins.python_packages, lycoris_lora when used. */
export function pinnedRequirements(exp: Experiment, version: SdScriptsVersion): string[] {
  const out: string[] = [];
  for (const line of version.requirements) {
    if (line.startsWith('-e ') || line === '-e') continue; // sd-scripts runs from its checkout; see the Dockerfile
    if (line.startsWith('-')) throw new Error(`internal: unexpected requirements option "${line}"`);
    if (line.includes('==')) {
      out.push(line);
      continue;
    }
    const name = line.replace(/\[.*\]$/, '');
    const version_ = exp.pins.python_packages[name];
    if (!version_) throw new Error(`internal: no pin for ${name}`);
    out.push(`${line}==${version_}`);
  }
  for (const [name, v] of Object.entries(exp.pins.python_packages).sort(([a], [b]) => a.localeCompare(b))) {
    if (
      !out.some(
        (l) =>
          l
            .replace(/\[.*?\]/, '')
            .split('==')[0]
            .toLowerCase() === name.toLowerCase(),
      )
    )
      out.push(`${name}==${v}`);
  }
  if (exp.training.network === 'lycoris') out.push(`lycoris_lora==${exp.pins.lycoris_lora}`);
  return out;
}

function dockerTagName(name: string): string {
  return `lora-eval-${name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')}`;
}

export function containerFiles(exp: Experiment, version: SdScriptsVersion, baseImage: string): ContainerFiles {
  const pins = exp.pins;
  const ref = parseImageRef(baseImage);
  const requirements = [
    `# sd-scripts ${pins.sd_scripts.commit} requirements.txt with every package pinned.`,
    '# Its "-e ." line is left out: the scripts run from their checkout (PYTHONPATH), and pip refuses editable',
    '# requirements in hash-checking mode, so hashes can be added to this file as it is.',
    ...pinnedRequirements(exp, version),
    '',
  ].join('\n');
  const constraints = [`torch==${pins.torch.version}`, `torchvision==${pins.torch.torchvision}`, ''].join('\n');
  const dockerfile = [
    '# syntax=docker/dockerfile:1',
    `# Written by \`lora-eval plan\` for experiment "${exp.name}"; re-run the plan instead of editing.`,
    `# Base image pinned by digest (tag: ${ref.tag ?? 'none'}).`,
    `FROM ${baseImage}`,
    '',
    'ENV DEBIAN_FRONTEND=noninteractive \\',
    '    PIP_NO_CACHE_DIR=1 \\',
    '    PIP_DISABLE_PIP_VERSION_CHECK=1 \\',
    '    PYTHONDONTWRITEBYTECODE=1 \\',
    '    PYTHONUNBUFFERED=1',
    '',
    '# git to fetch sd-scripts; libgl1 and libglib2.0-0 for opencv-python',
    'RUN apt-get update \\',
    ' && apt-get install -y --no-install-recommends ca-certificates git python3 python3-venv libgl1 libglib2.0-0 \\',
    ' && rm -rf /var/lib/apt/lists/*',
    'RUN python3 -m venv /opt/venv',
    'ENV PATH=/opt/venv/bin:$PATH',
    '',
    '# sd-scripts at the pinned commit; the build stops if that commit cannot be fetched',
    `ARG SD_SCRIPTS_REPOSITORY=${pins.sd_scripts.repository}`,
    `ARG SD_SCRIPTS_COMMIT=${pins.sd_scripts.commit}`,
    `RUN git init -q ${SD_SCRIPTS_DIR} \\`,
    ` && git -C ${SD_SCRIPTS_DIR} fetch -q --depth 1 "$SD_SCRIPTS_REPOSITORY" "$SD_SCRIPTS_COMMIT" \\`,
    ` && git -C ${SD_SCRIPTS_DIR} checkout -q --detach FETCH_HEAD \\`,
    ` && test "$(git -C ${SD_SCRIPTS_DIR} rev-parse HEAD)" = "$SD_SCRIPTS_COMMIT"`,
    '',
    '# torch and torchvision first, from the CUDA wheel index; constraints.txt keeps them in place below',
    `RUN pip install torch==${pins.torch.version} torchvision==${pins.torch.torchvision} --index-url ${pins.torch.index_url}`,
    '',
    '# sd-scripts requirements, all pinned, no editable install',
    'COPY requirements.txt constraints.txt /opt/lora-eval/',
    'RUN pip install -r /opt/lora-eval/requirements.txt -c /opt/lora-eval/constraints.txt',
    '',
    `WORKDIR ${SD_SCRIPTS_DIR}`,
    `ENV PYTHONPATH=${SD_SCRIPTS_DIR}`,
    '',
  ].join('\n');
  const hash = createHash('sha256').update(dockerfile).update('\0').update(requirements).update('\0').update(constraints).digest('hex');
  return { dockerfile, requirements, constraints, imageTag: `${dockerTagName(exp.name)}:${hash.slice(0, 12)}` };
}
