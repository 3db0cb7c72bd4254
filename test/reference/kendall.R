# Reference values for src/stats/kendall.ts: R's cor.test(x, y, method = "kendall").
#
# Regenerate from the repository root with:
#   Rscript test/reference/kendall.R
# It overwrites test/reference/kendall-reference.json; commit both files together.
# Inputs are written with 17 significant digits, so they round-trip to the same doubles.

if (!file.exists("test/reference/kendall.R")) stop("run from the repository root: Rscript test/reference/kendall.R")
out_file <- "test/reference/kendall-reference.json"

num <- function(v) if (is.na(v)) "null" else sprintf("%.17g", v)
vec <- function(v) paste0("[", paste(vapply(as.numeric(v), num, ""), collapse = ", "), "]")
str <- function(s) paste0('"', s, '"')
bool <- function(b) if (is.null(b)) "null" else if (b) "true" else "false"

kcase <- function(id, x, y, alternative = "two.sided", exact = NULL, continuity = FALSE) {
  r <- suppressWarnings(cor.test(x, y, method = "kendall", alternative = alternative, exact = exact, continuity = continuity))
  sprintf('{"id": %s, "x": %s, "y": %s, "alternative": %s, "exact": %s, "continuity": %s, "estimate": %s, "statistic": %s, "statistic_name": %s, "p": %s}',
          str(id), vec(x), vec(y), str(alternative), bool(exact), bool(continuity),
          num(unname(r$estimate)), num(unname(r$statistic)), str(names(r$statistic)), num(r$p.value))
}

set.seed(20261130)
x10 <- rnorm(10); y10 <- x10 + rnorm(10)
x30 <- rnorm(30); y30 <- 0.3 * x30 + rnorm(30)
x49 <- rnorm(49); y49 <- 0.2 * x49 + rnorm(49)
x80 <- rnorm(80); y80 <- 0.25 * x80 + rnorm(80)
# The shape of a rating comparison: metric difference against a choice coded -1 (right), 0 (can't tell), 1 (left).
d60 <- rnorm(60, sd = 0.3); c60 <- ifelse(runif(60) < 0.15, 0, ifelse(d60 + rnorm(60, sd = 0.2) > 0, 1, -1))
d25 <- round(rnorm(25), 1); c25 <- ifelse(d25 + rnorm(25, sd = 0.5) > 0, 1, -1)
d200 <- c(rep(0, 20), rnorm(180, sd = 0.2)); c200 <- ifelse(runif(200) < 0.1, 0, ifelse(d200 + rnorm(200, sd = 0.1) > 0, 1, -1))

cases <- c(
  kcase("exact-n10", x10, y10),
  kcase("exact-n10-greater", x10, y10, alternative = "greater"),
  kcase("exact-n10-less", x10, y10, alternative = "less"),
  kcase("exact-n30", x30, y30),
  kcase("exact-n49", x49, y49),
  kcase("exact-n5-perfect", c(1, 2, 3, 4, 5), c(2, 4, 6, 8, 10)),
  kcase("exact-n6-reversed", 1:6, c(6, 5, 4, 3, 2, 1)),
  kcase("normal-n80", x80, y80),
  kcase("normal-forced-n10", x10, y10, exact = FALSE),
  kcase("normal-continuity-n30", x30, y30, exact = FALSE, continuity = TRUE),
  kcase("ties-small", c(1, 2, 2, 3, 4, 4, 4, 5), c(2, 1, 3, 3, 5, 4, 6, 6)),
  kcase("ties-choice-n60", d60, c60),
  kcase("ties-choice-n25-greater", d25, c25, alternative = "greater"),
  kcase("ties-choice-n200", d200, c200),
  kcase("ties-choice-continuity", d60, c60, continuity = TRUE)
)

writeLines(c(paste0('{\n  "r_version": ', str(R.version.string), ',\n  "tolerance": 1e-6,\n  "kendall": [\n    ',
                    paste(cases, collapse = ",\n    "), "\n  ]\n}")), out_file)
cat("wrote", out_file, "\n")
