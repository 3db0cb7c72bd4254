# Reference values for the worth_it rule (src/analysis/claims/worth-it.ts), computed with base R.
#
# Regenerate from the repository root with:
#   Rscript test/reference/worth-it.R
# It overwrites test/reference/worth-it-reference.json; commit both files together.
#
# A planted sweep: resolution 512 or 768 (costing 0.25 and 0.55 GPU-hours) × target t1, t2 × 12 prompts × 2 seeds.
# detail = 40 + prompt effect + gain(target) at 768 + noise, with a gain of 0.6 on t1 and 0.3 on t2 (2 and 1 per
# GPU-hour). Per target, R takes each prompt's mean of (768 − 512) over its seeds, the 95% t CI of their mean
# (t.test), and divides by the cost difference; the verdict of each threshold follows the rule: worth it when the
# CI's lower bound is above the threshold, not worth it when its upper bound is below, else inconclusive; the
# hypothesis is worth it (not worth it) only when every target is.

if (!file.exists("test/reference/worth-it.R")) stop("run from the repository root: Rscript test/reference/worth-it.R")
out_file <- "test/reference/worth-it-reference.json"

source("test/reference/json-writer.R")

set.seed(20261207)
costs <- c("512" = 0.25, "768" = 0.55)
gain <- c(t1 = 0.6, t2 = 0.3)
prompts <- sprintf("p%02d", 1:12)
seeds <- 1:2
prompt_effect <- setNames(rnorm(length(prompts), 0, 2), prompts)

rows <- list()
data <- data.frame()
for (target in names(gain)) for (p in prompts) for (s in seeds) for (res in names(costs)) {
  value <- 40 + prompt_effect[[p]] + (res == "768") * gain[[target]] + rnorm(1, 0, 0.15)
  data <- rbind(data, data.frame(target = target, prompt = p, seed = s, resolution = res, value = value))
  rows[[length(rows) + 1]] <- obj(target = str(target), prompt = str(p), seed = str(s), resolution = str(res), value = num(value))
}

cost_difference <- costs[["768"]] - costs[["512"]]
per_target <- list()
intervals <- list()
for (target in names(gain)) {
  d <- data[data$target == target, ]
  hi <- d[d$resolution == "768", ]
  lo <- d[d$resolution == "512", ]
  hi <- hi[order(hi$prompt, hi$seed), ]
  lo <- lo[order(lo$prompt, lo$seed), ]
  per_prompt <- tapply(hi$value - lo$value, hi$prompt, mean)
  tt <- t.test(per_prompt, conf.level = 0.95)
  ci <- sort(as.numeric(tt$conf.int) / cost_difference)
  intervals[[target]] <- list(estimate = as.numeric(tt$estimate) / cost_difference, low = ci[1], high = ci[2])
  per_target[[length(per_target) + 1]] <- obj(
    target = str(target),
    estimate = num(as.numeric(tt$estimate)),
    gain_per_gpu_hour = num(intervals[[target]]$estimate),
    ci_low = num(ci[1]),
    ci_high = num(ci[2])
  )
}

verdict <- function(iv, threshold) if (iv$low > threshold) "worth it" else if (iv$high < threshold) "not worth it" else "inconclusive"
# Thresholds: below both CIs; above both; between them; and t1's own estimate (inside its CI).
thresholds <- c(0.5, 3, (intervals$t1$low + intervals$t2$high) / 2, round(intervals$t1$estimate, 3))
scenarios <- lapply(thresholds, function(th) {
  v <- sapply(names(gain), function(t) verdict(intervals[[t]], th))
  overall <- if (all(v == "worth it")) "worth it" else if (all(v == "not worth it")) "not worth it" else "inconclusive"
  obj(min_gain_per_gpu_hour = num(th), t1 = str(v[["t1"]]), t2 = str(v[["t2"]]), hypothesis = str(overall))
})

writeLines(
  paste0(
    "{\n",
    sprintf('"generator": %s,\n', str(paste("test/reference/worth-it.R,", R.version.string))),
    sprintf('"costs": {"512": %s, "768": %s},\n', num(costs[["512"]]), num(costs[["768"]])),
    '"targets": ', arr(per_target), ",\n",
    '"scenarios": ', arr(scenarios), ",\n",
    '"rows": ', arr(rows), "\n}\n"
  ),
  out_file
)
cat("wrote", out_file, "\n")
