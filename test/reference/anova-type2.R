# Reference values for src/stats/anova-type2.ts: type II ANOVA tables from car::Anova(lm(...), type = 2).
#
# Regenerate from the repository root with:
#   Rscript test/reference/anova-type2.R
# (needs Debian's r-cran-car). It overwrites test/reference/anova-type2-reference.json; commit both together.
#
# Each case is a table of prompt-level cell means with a planted structure; the model is
# y ~ prompt + (factors)^2 with every factor categorical. Inputs are written with 17 significant digits so they
# round-trip to the same doubles. As a second check the script recomputes every type II SS from the two nested
# lm fits that define it (anova(reduced, full)) and, for the balanced case, from sequential anova().

if (!file.exists("test/reference/anova-type2.R")) stop("run from the repository root: Rscript test/reference/anova-type2.R")
suppressPackageStartupMessages(library(car))
out_file <- "test/reference/anova-type2-reference.json"

num <- function(v) if (is.na(v)) "null" else sprintf("%.17g", v)
vec <- function(v) paste0("[", paste(vapply(as.numeric(v), num, ""), collapse = ", "), "]")
strs <- function(s) paste0("[", paste0('"', s, '"', collapse = ", "), "]")

make_case <- function(name, levels, prompts, effects, noise, drop = 0) {
  grid <- expand.grid(c(levels, list(prompt = sprintf("p%02d", seq_len(prompts)))), stringsAsFactors = FALSE)
  y <- rnorm(prompts, sd = 0.3)[as.integer(factor(grid$prompt))] + rnorm(nrow(grid), sd = noise)
  for (f in names(effects)) y <- y + effects[[f]](grid)
  grid$y <- y
  if (drop > 0) grid <- grid[-sample(nrow(grid), drop), ]
  factors <- names(levels)
  for (f in c(factors, "prompt")) grid[[f]] <- factor(grid[[f]])
  formula <- as.formula(paste("y ~ prompt + (", paste(factors, collapse = " + "), ")^2"))
  fit <- lm(formula, data = grid)
  if (any(is.na(coef(fit)))) stop(name, ": aliased coefficients")
  a <- Anova(fit, type = 2)
  terms <- setdiff(rownames(a), "Residuals")
  # The definition, from nested fits: SS(term | every term not containing it).
  all_terms <- attr(terms(fit), "term.labels")
  for (t in terms) {
    parts <- strsplit(t, ":")[[1]]
    contains <- vapply(all_terms, function(u) all(parts %in% strsplit(u, ":")[[1]]), TRUE)
    without <- all_terms[!contains]
    reduced <- lm(reformulate(if (length(without)) without else "1", "y"), data = grid)
    larger <- lm(reformulate(c(without, t), "y"), data = grid)
    ss <- deviance(reduced) - deviance(larger)
    if (abs(ss - a[t, "Sum Sq"]) > 1e-9 * max(1, abs(ss))) stop(name, ": car and nested fits disagree on ", t)
  }
  if (drop == 0) {
    seq_ss <- anova(fit)[terms, "Sum Sq"]
    if (max(abs(seq_ss - a[terms, "Sum Sq"])) > 1e-9) stop(name, ": balanced, yet sequential and type II SS differ")
  }
  rows <- vapply(terms, function(t) sprintf('{"term": "%s", "df": %s, "ss": %s, "f": %s, "p": %s}',
    t, num(a[t, "Df"]), num(a[t, "Sum Sq"]), num(a[t, "F value"]), num(a[t, "Pr(>F)"])), "")
  factor_json <- paste(vapply(factors, function(f) sprintf('"%s": %s', f, strs(as.character(grid[[f]]))), ""), collapse = ", ")
  sprintf(paste0('{"name": "%s", "balanced": %s, "y": %s, "factors": {%s}, "prompt": %s, "terms": [%s], ',
    '"residual": {"df": %s, "ss": %s}, "total_ss": %s}'),
    name, if (drop == 0) "true" else "false", vec(grid$y), factor_json, strs(as.character(grid$prompt)),
    paste(rows, collapse = ", "), num(a["Residuals", "Df"]), num(a["Residuals", "Sum Sq"]),
    num(sum((grid$y - mean(grid$y))^2)))
}

set.seed(20231)
cases <- c(
  make_case("balanced base x target x weight, base dominant",
    list(base = c("nai", "sd15", "anyv3"), target = c("t1", "t2", "t3"), weight = c("0.5", "1")), 6,
    list(base = function(g) c(nai = 0, sd15 = 1, anyv3 = 2)[g$base],
         weight = function(g) 0.2 * as.numeric(g$weight),
         bt = function(g) ifelse(g$base == "nai" & g$target == "t2", 0.3, 0)), 0.2),
  make_case("unbalanced checkpoint x weight (cells missing prompts)",
    list(checkpoint = c("e1", "e2", "e3", "e4"), weight = c("0.65", "1", "1.2")), 7,
    list(checkpoint = function(g) 0.1 * as.integer(factor(g$checkpoint)),
         cw = function(g) ifelse(g$checkpoint == "e4" & g$weight == "1.2", -0.4, 0)), 0.15, drop = 9),
  make_case("unbalanced null: no effect of base, target or weight",
    list(base = c("a", "b"), target = c("x", "y", "z"), weight = c("0.5", "0.75", "1")), 8,
    list(), 0.25, drop = 11)
)
writeLines(paste0('{"r_version": "', R.version.string, '", "car_version": "', as.character(packageVersion("car")),
  '", "cases": [\n', paste(cases, collapse = ",\n"), "\n]}\n"), out_file, sep = "")
cat("wrote", out_file, "\n")
