import type { Experiment, ModelRef } from './experiment-schema.js';
import {
  containerCheckpoint,
  containerVae,
  DATASET_MOUNT,
  loraFile,
  OUTPUTS_DIR,
  REGULARIZATION_MOUNT,
  RUN_MOUNT,
  sampledEpochs,
  SD_SCRIPTS_DIR,
  type ModelRole,
} from './layout.js';
import { commonArgs, targetArgs, type GenerationJob } from './prompt-files.js';
import type { CliArgs } from './arg-check.js';

/** A host file or folder the container reads, mounted read-only. */
export interface Mount {
  /** As run.sh sees it: relative to the run folder, or absolute. */
  host: string;
  container: string;
  label: string;
  sha256?: string;
}

/** Every input the container reads, deduplicated by container path. */
export function inputMounts(exp: Experiment, fromRunDir: (p: string) => string): Mount[] {
  const mounts: Mount[] = [{ host: fromRunDir(exp.dataset.images), container: DATASET_MOUNT, label: 'dataset.images' }];
  if (exp.dataset.regularization) {
    mounts.push({ host: fromRunDir(exp.dataset.regularization.images), container: REGULARIZATION_MOUNT, label: 'dataset.regularization.images' });
  }
  const models = (role: ModelRole, list: ModelRef[]) =>
    list.forEach((m) => {
      mounts.push({ host: fromRunDir(m.checkpoint), container: containerCheckpoint(role, m), label: `${role} ${m.name}`, sha256: m.sha256 });
      const vae = containerVae(role, m);
      if (vae && m.vae) mounts.push({ host: fromRunDir(m.vae), container: vae, label: `${role} ${m.name} vae` });
    });
  models('base', exp.bases);
  models('target', exp.targets);
  return mounts;
}

/**
 * One bash word holding exactly `s`: single-quoted unless it is plain. Every value written into run.sh goes
 * through here; inside single quotes bash expands nothing, so $(), backticks, quotes, spaces and newlines stay text.
 */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const HEADER = (exp: Experiment) => `#!/usr/bin/env bash
# Written by \`lora-eval plan\` for experiment "${exp.name}"; re-run the plan instead of editing.
#
# Trains the LoRA on every base and generates every image of the sweep with kohya-ss/sd-scripts in a pinned
# container. Needs Docker with the NVIDIA Container Toolkit and a CUDA GPU on this machine, and network access
# for the image build and, on first use, the CLIP tokenizer (cached in cache/).
#
# Usage: ./run.sh [all|build|train|generate]        (default: all)
# Every step is skipped when its outputs exist, so after an interruption run it again: a training run starts
# over unless its last checkpoint was written; generation only makes the images still missing.
# Each step's output goes to logs/<step>.log; logs/run.log records what ran, what was skipped and what failed.
set -euo pipefail
`;

const FUNCTIONS = `
RUN_DIR="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
LOG_DIR="$RUN_DIR/logs"
mkdir -p "$LOG_DIR" "$RUN_DIR/${OUTPUTS_DIR}" "$RUN_DIR/models" "$RUN_DIR/cache"

log() { printf '%s %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" | tee -a "$LOG_DIR/run.log" >&2; }
die() { log "ERROR: $*"; exit 1; }

# abspath VAR PATH: sets VAR to the absolute path of an existing file or folder; relative paths are taken from
# the run folder. It never goes through $(...) with the name, which would drop a trailing newline.
abspath() {
  local p="$2" dir base=""
  case "$p" in /*) ;; *) p="$RUN_DIR/$p" ;; esac
  [ -e "$p" ] || die "not found: $p"
  if [ -d "$p" ]; then dir="$p"; else dir="\${p%/*}" base="/\${p##*/}"; fi
  dir="$(cd "\${dir:-/}" && pwd && printf x)"
  dir="\${dir%?x}"
  printf -v "$1" '%s%s' "\${dir%/}" "$base"
}

# mountable PATH LABEL: docker -v splits its argument at ":", so a path holding one would mount the wrong thing
mountable() {
  case "$1" in *:*) die "cannot mount $1 ($2): docker -v paths may not contain ':'; rename it" ;; esac
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# run_step NAME COMMAND...: runs COMMAND with its output in logs/NAME.log; a failure stops the run
run_step() {
  local name="$1"
  shift
  log "start $name"
  local rc=0
  "$@" >"$LOG_DIR/$name.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    log "FAILED $name (exit $rc); see logs/$name.log"
    exit "$rc"
  fi
  log "done $name"
}

docker_run() {
  docker run --rm --gpus all --ipc=host --user "$(id -u):$(id -g)" \\
    -e HOME=${RUN_MOUNT}/cache -e HF_HOME=${RUN_MOUNT}/cache/huggingface \\
    -w ${SD_SCRIPTS_DIR} "\${MOUNTS[@]}" "$IMAGE" "$@"
}

build() {
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    log "skip build: image $IMAGE exists"
    return
  fi
  run_step build docker build -t "$IMAGE" "$RUN_DIR/container"
}

# verify LABEL PATH SHA256: checks a model file once; logs/verified-* remembers the result
verify() {
  local marker="$LOG_DIR/verified-$(printf '%s' "$2" | tr -c 'A-Za-z0-9._-' '_')"
  if [ -f "$marker" ] && [ "$(cat "$marker")" = "$3" ]; then
    log "skip verify $1: already verified"
    return
  fi
  log "verify $1: sha256 of $2"
  local actual
  actual="$(sha256_of "$2")"
  [ "$actual" = "$3" ] || die "$1: sha256 of $2 is $actual, expected $3"
  printf '%s\\n' "$3" >"$marker"
}

# train BASE CHECKPOINT...: trains on BASE unless every CHECKPOINT it should write exists
train() {
  local base="$1" missing=0 f
  shift
  for f in "$@"; do [ -f "$RUN_DIR/$f" ] || missing=1; done
  if [ "$missing" -eq 0 ]; then
    log "skip train-$base: its checkpoints exist"
    return
  fi
  run_step "train-$base" docker_run python train_network.py --config_file "${RUN_MOUNT}/train/$base.toml"
}

# generate STEP PROMPT_FILE LORA GEN_IMG_ARGS...: generates the lines of PROMPT_FILE whose image (--f) is
# missing; LORA is the trained file it needs, relative to the run folder, or - for none
generate() {
  local step="$1" file="$2" lora="$3"
  shift 3
  local pending="$LOG_DIR/pending/$step.txt" line out
  mkdir -p "$LOG_DIR/pending"
  : >"$pending"
  while IFS= read -r line || [ -n "$line" ]; do
    [ -n "$line" ] || continue
    out="\${line##* --f }"
    if [ ! -e "$RUN_DIR/${OUTPUTS_DIR}/$out" ]; then
      mkdir -p "$RUN_DIR/${OUTPUTS_DIR}/$(dirname "$out")"
      printf '%s\\n' "$line" >>"$pending"
    fi
  done <"$RUN_DIR/$file"
  local todo total
  todo=$(wc -l <"$pending" | tr -d ' ')
  total=$(grep -c . "$RUN_DIR/$file" || true)
  if [ "$todo" -eq 0 ]; then
    log "skip $step: all $total images exist"
    return
  fi
  if [ "$lora" != - ] && [ ! -f "$RUN_DIR/$lora" ]; then die "$step needs $lora: train first (./run.sh train)"; fi
  log "$step: $todo of $total images to generate"
  run_step "$step" docker_run python gen_img.py --from_file "${RUN_MOUNT}/logs/pending/$step.txt" "$@"
}
`;

function resolveInputs(mounts: Mount[]): string {
  const lines = ['resolve_inputs() {', '  local ' + mounts.map((_, i) => `input_${i}`).join(' ')];
  lines.push(`  mountable "$RUN_DIR" ${shellQuote('the run folder')}`);
  mounts.forEach((m, i) => {
    lines.push(`  abspath input_${i} ${shellQuote(m.host)}`);
    lines.push(`  mountable "$input_${i}" ${shellQuote(m.label)}`);
  });
  lines.push(`  MOUNTS=(-v "$RUN_DIR"${shellQuote(`:${RUN_MOUNT}`)})`);
  mounts.forEach((m, i) => lines.push(`  MOUNTS+=(-v "$input_${i}"${shellQuote(`:${m.container}:ro`)})`));
  const verified = mounts.filter((m) => m.sha256);
  mounts.forEach((m, i) => {
    if (m.sha256) lines.push(`  verify ${shellQuote(m.label)} "$input_${i}" ${shellQuote(m.sha256)}`);
  });
  if (verified.length === 0) lines.push('  # no sha256 given for any model: nothing to verify');
  lines.push('}');
  return lines.join('\n');
}

/** run.sh: build the image, train each base, generate each prompt file; resumable and logged. */
export function runScript(exp: Experiment, imageTag: string, mounts: Mount[], jobs: GenerationJob[]): string {
  const trainLines = exp.bases.map((b) => {
    const files = sampledEpochs(exp).map((e) => loraFile(exp, b.name, e));
    return `  train ${shellQuote(b.name)} ${files.map(shellQuote).join(' ')}`;
  });
  const words = (args: CliArgs) => args.flat().map(shellQuote).join(' ');
  const targetIndex = new Map(exp.targets.map((t, i) => [t.name, i]));
  const genLines = jobs.map((j) => {
    const lora = j.args.lora.length ? ` ${words(j.args.lora)}` : '';
    const needs = j.lora ? shellQuote(j.lora.file) : '-';
    return `  generate ${shellQuote(j.id)} ${shellQuote(j.promptFile)} ${needs} "\${target_${targetIndex.get(j.target.name)}[@]}" "\${GEN_ARGS[@]}"${lora}`;
  });
  const argArrays = [
    `# gen_img.py arguments of every generation run, and of each target (${exp.targets.map((t, i) => `target_${i}: ${t.name}`).join(', ')})`,
    `GEN_ARGS=(${words(commonArgs(exp))})`,
    ...exp.targets.map((t, i) => `target_${i}=(${words(targetArgs(t))})`),
  ];
  return [
    HEADER(exp),
    `IMAGE=${shellQuote(imageTag)}`,
    FUNCTIONS,
    resolveInputs(mounts),
    '',
    'train_all() {',
    ...trainLines,
    '}',
    '',
    ...argArrays,
    '',
    '# weight 0 (no LoRA) once per target, then every LoRA checkpoint on every target',
    'generate_all() {',
    ...genLines,
    '}',
    '',
    'what="${1:-all}"',
    'case "$what" in all | build | train | generate) ;; *) die "usage: $0 [all|build|train|generate]" ;; esac',
    'command -v docker >/dev/null 2>&1 || die "docker not found: run.sh needs Docker with the NVIDIA Container Toolkit"',
    'log "run.sh $what (image $IMAGE)"',
    'build',
    'if [ "$what" = build ]; then exit 0; fi',
    'resolve_inputs',
    'if [ "$what" = all ] || [ "$what" = train ]; then train_all; fi',
    'if [ "$what" = all ] || [ "$what" = generate ]; then generate_all; fi',
    'log "finished $what"',
    '',
  ].join('\n');
}
