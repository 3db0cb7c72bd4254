# Reference values for the test behind a choice (src/analysis/choice-test.ts), computed with base R.
#
# Regenerate from the repository root with:
#   Rscript test/reference/choice-test.R
# It overwrites test/reference/choice-test-reference.json; commit both files together.
#
# Four bases (the groups a choice is made within) × LoRA weight 0.65, 1, 1.2 (the candidates) × 8 prompts × 2 seeds
# of concept_detection, no floors. b1: weight 1 better by 0.12; b2: no difference; b3: weight 1.2 better by 0.05
# (near the noise); b4: on a grid of eighths without noise, weight 1 exactly 0.25 above the others on every prompt,
# where the t statistic is undefined and the signed-rank test (normal approximation, all ranks tied) gives p.
# Per base, R picks the weight with the highest mean over prompts of the prompt means, takes each prompt's mean over
# seeds of (chosen − other) for each other weight, runs t.test on those 8 values (wilcox.test where t.test refuses
# constant data), and corrects every p of every base together with p.adjust(method = "holm").

if (!file.exists("test/reference/choice-test.R")) stop("run from the repository root: Rscript test/reference/choice-test.R")
out_file <- "test/reference/choice-test-reference.json"

source("test/reference/json-writer.R")

set.seed(20261207)
bases <- c("b1", "b2", "b3", "b4")
weights <- c("0.65", "1", "1.2")
prompts <- sprintf("p%d", 0:7)
seeds <- 1:2
effect <- function(base, weight) {
  if (base == "b1") return(0.5 + 0.12 * (weight == "1"))
  if (base == "b3") return(0.5 + 0.05 * (weight == "1.2"))
  if (base == "b4") return(0.5 + 0.25 * (weight == "1"))
  0.5
}

data <- data.frame()
rows <- list()
for (base in bases) {
  prompt_effect <- if (base == "b4") setNames((0:7) / 8, prompts) else setNames(rnorm(length(prompts), 0, 0.1), prompts)
  for (weight in weights) for (p in prompts) {
    interaction <- if (base == "b4") 0 else rnorm(1, 0, 0.05)
    for (s in seeds) {
      value <- effect(base, weight) + prompt_effect[[p]] + interaction + if (base == "b4") 0 else rnorm(1, 0, 0.03)
      data <- rbind(data, data.frame(base = base, weight = weight, prompt = p, seed = s, value = value))
      rows[[length(rows) + 1]] <- obj(base = str(base), weight = str(weight), prompt = str(p), seed = str(s), value = num(value))
    }
  }
}

comparisons <- data.frame()
for (base in bases) {
  d <- data[data$base == base, ]
  prompt_means <- tapply(d$value, list(d$weight, d$prompt), mean)
  means <- rowMeans(prompt_means)
  chosen <- names(which.max(means))
  for (other in setdiff(weights, chosen)) {
    a <- d[d$weight == chosen, ]
    b <- d[d$weight == other, ]
    a <- a[order(a$prompt, a$seed), ]
    b <- b[order(b$prompt, b$seed), ]
    per_prompt <- tapply(a$value - b$value, a$prompt, mean)
    tested <- tryCatch(list(test = "paired t", p = t.test(per_prompt)$p.value), error = function(e) NULL)
    if (is.null(tested)) tested <- list(test = "wilcoxon signed rank", p = suppressWarnings(wilcox.test(per_prompt)$p.value))
    comparisons <- rbind(comparisons, data.frame(
      base = base, chosen = chosen, other = other, prompts = length(per_prompt), difference = mean(per_prompt),
      test = tested$test, p = tested$p
    ))
  }
}
comparisons$p_adj <- p.adjust(comparisons$p, method = "holm")
out <- lapply(seq_len(nrow(comparisons)), function(i) {
  r <- comparisons[i, ]
  obj(
    base = str(r$base), chosen = str(r$chosen), other = str(r$other), prompts = num(r$prompts), difference = num(r$difference),
    test = str(r$test), p = num(r$p), p_adj = num(r$p_adj)
  )
})

writeLines(
  paste0(
    "{\n",
    sprintf('"generator": %s,\n', str(paste("test/reference/choice-test.R,", R.version.string))),
    '"comparisons": ', arr(out), ",\n",
    '"rows": ', arr(rows), "\n}\n"
  ),
  out_file
)
cat("wrote", out_file, "\n")
