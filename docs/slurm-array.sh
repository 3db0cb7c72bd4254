#!/usr/bin/env bash
# Scores one sweep on N nodes with a Slurm job array: array task i scores the share i of N of the images into
# <out>/shard-i, through scripts/score-shard.sh (the entry point the Kubernetes Indexed Job runs too; it lists
# every setting). Submit from the lora-eval checkout (or set LORA_EVAL_HOME to it); the settings travel in the
# environment, which sbatch exports to the tasks:
#
#   export LORA_EVAL_SWEEP=sweeps/anis/sweep.yaml LORA_EVAL_OUT=runs/anis LORA_EVAL_SHARDS=8 \
#     LORA_EVAL_CLIP=models/clip-vit-base-patch32 LORA_EVAL_TAGGER=models/wd-vit-tagger-v3 LORA_EVAL_DEVICE=cuda
#   job=$(sbatch --parsable --array=0-7 --gres=gpu:1 --cpus-per-task=8 docs/slurm-array.sh)
#   sbatch --dependency=afterok:$job --wrap 'npx lora-eval merge runs/anis/shard-* --out runs/anis/all'
#
# --array must be 0-(N-1) with N = LORA_EVAL_SHARDS. A task that was killed or failed is re-run alone with the same
# settings (sbatch --array=<i> docs/slurm-array.sh); it resumes from its shard's store. Then merge again.
#SBATCH --job-name=lora-eval-score
#SBATCH --output=lora-eval-score-%A_%a.log
set -euo pipefail
exec bash "${LORA_EVAL_HOME:-${SLURM_SUBMIT_DIR:-.}}/scripts/score-shard.sh"
