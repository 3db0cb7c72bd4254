#!/usr/bin/env bash
# Score one sweep on N nodes with a Slurm job array: each task scores the share SLURM_ARRAY_TASK_ID / N of the
# images (`--shard auto/N`) into its own run folder; a dependent job merges, analyzes and reports.
#   sbatch docs/slurm-array.sh
#SBATCH --job-name=lora-eval-score
#SBATCH --array=0-7
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=8
#SBATCH --time=02:00:00
set -euo pipefail
N=8
npx lora-eval score sweeps/anis/sweep.yaml \
  --clip models/clip-vit-base-patch32 --tagger models/wd-vit-tagger-v3 \
  --shard "auto/$N" --out "runs/anis/shard-$SLURM_ARRAY_TASK_ID" --device cuda

# Once every task is done (e.g. sbatch --dependency=afterok:<array job id> with):
#   npx lora-eval merge runs/anis/shard-* --out runs/anis/all
#   npx lora-eval analyze runs/anis/all --hypotheses hypotheses.yaml && npx lora-eval report runs/anis/all
