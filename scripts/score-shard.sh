#!/usr/bin/env bash
# Scores one shard of a sweep. The one entry point of both the Slurm job array (docs/slurm-array.sh) and the
# Kubernetes Indexed Job (docs/kubernetes-indexed-job.yaml): the shard index is the array task id
# (SLURM_ARRAY_TASK_ID) or the completion index (JOB_COMPLETION_INDEX); everything else comes from the environment.
#
#   LORA_EVAL_SWEEP    the sweep.yaml                                                        (required)
#   LORA_EVAL_CLIP     the CLIP model folder                                                 (required)
#   LORA_EVAL_OUT      the output folder; shard i writes <out>/shard-<i>                      (required)
#   LORA_EVAL_SHARDS   N, the number of shards: the array's size or the Job's completions    (required)
#   LORA_EVAL_TAGGER   the WD14 tagger folder                                                (optional)
#   LORA_EVAL_DEVICE   cpu or cuda                                                           (default cpu)
#   LORA_EVAL_LOCK     the model pins, models.lock.json                   (default models/models.lock.json)
#   LORA_EVAL_ARGS     more "lora-eval score" options, e.g. "--batch-size 32 --mcut"         (optional)
#   LORA_EVAL          the command that runs lora-eval                    (default "npx lora-eval")
#
# Re-running a task (a killed or failed one) resumes its shard from <out>/shard-<i>/store.sqlite. When all N are
# done:  lora-eval merge <out>/shard-* --out <out>/all   (it names any shard that is missing or given twice).
set -euo pipefail

fail() {
  echo "score-shard.sh: $*" >&2
  exit 2
}

required=(LORA_EVAL_SWEEP LORA_EVAL_CLIP LORA_EVAL_OUT LORA_EVAL_SHARDS)
missing=()
for name in "${required[@]}"; do [ -n "${!name:-}" ] || missing+=("$name"); done
[ ${#missing[@]} -eq 0 ] || fail "set ${missing[*]} (every setting is described at the top of $0)"

# Read once, here, so that the folder name and the scored share cannot disagree.
index="${SLURM_ARRAY_TASK_ID:-${JOB_COMPLETION_INDEX:-}}"
[ -n "$index" ] || fail "no shard index: run it as a Slurm array task (sbatch --array) or in a Kubernetes Indexed Job"
[[ "$LORA_EVAL_SHARDS" =~ ^[1-9][0-9]*$ ]] || fail "LORA_EVAL_SHARDS must be a positive whole number, got \"$LORA_EVAL_SHARDS\""
[[ "$index" =~ ^[0-9]+$ ]] && [ "$index" -lt "$LORA_EVAL_SHARDS" ] ||
  fail "shard index $index is not in 0..$((LORA_EVAL_SHARDS - 1)): the array (--array=0-$((LORA_EVAL_SHARDS - 1))) or the Job's completions ($LORA_EVAL_SHARDS) must match LORA_EVAL_SHARDS=$LORA_EVAL_SHARDS"

read -r -a lora_eval <<<"${LORA_EVAL:-npx lora-eval}"
read -r -a extra <<<"${LORA_EVAL_ARGS:-}"
options=(--clip "$LORA_EVAL_CLIP" --device "${LORA_EVAL_DEVICE:-cpu}")
[ -n "${LORA_EVAL_TAGGER:-}" ] && options+=(--tagger "$LORA_EVAL_TAGGER")
[ -n "${LORA_EVAL_LOCK:-}" ] && options+=(--lock "$LORA_EVAL_LOCK")

exec "${lora_eval[@]}" score "$LORA_EVAL_SWEEP" "${options[@]}" "${extra[@]}" \
  --shard "$index/$LORA_EVAL_SHARDS" --out "$LORA_EVAL_OUT/shard-$index"
