# Reference values for src/stats, computed with base R (stats package only).
#
# Regenerate from the repository root with:
#   Rscript test/reference/stats.R
# It overwrites test/reference/stats-reference.json; commit both files together.
#
# Every case carries its inputs (written with 17 significant digits, so they round-trip to the
# same doubles), R's outputs and the relative tolerance the tests apply:
#   1e-6  where R's answer is exact (exact null distributions, t tests, p.adjust, lm),
#   1e-4  where it is an approximation (normal approximation, Edgeworth series, t approximation),
#   1e-10 for the distribution functions themselves (pnorm, qnorm, pt, qt, psignrank).

if (!file.exists("test/reference/stats.R")) stop("run from the repository root: Rscript test/reference/stats.R")
out_file <- "test/reference/stats-reference.json"

# ---- minimal JSON writer (no packages beyond base R) ----
num <- function(v) {
  if (length(v) != 1) stop("num: expected a scalar")
  if (is.na(v)) return("null")
  if (is.infinite(v)) return(if (v > 0) '"Infinity"' else '"-Infinity"')
  sprintf("%.17g", v)
}
vec <- function(v) paste0("[", paste(vapply(as.numeric(v), num, ""), collapse = ", "), "]")
mat <- function(m) paste0("[", paste(apply(m, 1, vec), collapse = ", "), "]")
str <- function(s) paste0('"', gsub('"', '\\\\"', s), '"')
bool <- function(b) if (is.null(b)) "null" else if (b) "true" else "false"
obj <- function(...) {
  fields <- list(...)
  paste0("{", paste(sprintf('"%s": %s', names(fields), unlist(fields)), collapse = ", "), "}")
}
arr <- function(items) paste0("[\n    ", paste(items, collapse = ",\n    "), "\n  ]")

TOL_EXACT <- 1e-6
TOL_APPROX <- 1e-4
TOL_DIST <- 1e-10

# ---- Wilcoxon signed-rank, paired ----
wcase <- function(id, x, y, mu = 0, alternative = "two.sided", exact = NULL, correct = TRUE) {
  r <- suppressWarnings(wilcox.test(x, y, paired = TRUE, mu = mu, alternative = alternative,
                                    exact = exact, correct = correct))
  is_exact <- grepl("exact", r$method)
  obj(id = str(id), x = vec(x), y = vec(y), mu = num(mu), alternative = str(alternative),
      exact = bool(exact), correct = bool(correct),
      statistic = num(unname(r$statistic)), p = num(r$p.value), method = str(r$method),
      kind = str(if (is_exact) "exact" else "approximation"),
      tolerance = num(if (is_exact) TOL_EXACT else TOL_APPROX))
}

set.seed(20240501)
x10 <- round(rnorm(10, 0.30, 0.05), 6); y10 <- round(x10 - rnorm(10, 0.02, 0.03), 6)
x5 <- c(1.2, 3.4, 2.2, 5.1, 4.0); y5 <- c(1.0, 3.9, 2.5, 4.5, 4.4)
x4 <- c(2, 1, 0, 8); y4 <- c(1, 3, 3, 4)
x8 <- round(runif(8, 1, 2), 5); y8 <- x8 - round(runif(8, 0.01, 0.5), 5)
x20 <- round(rnorm(20), 7); y20 <- round(x20 + rnorm(20, 0.3), 7)
x49 <- round(rnorm(49), 7); y49 <- round(x49 + rnorm(49, -0.2), 7)
x12t <- round(rnorm(12, 5, 1), 1); y12t <- round(x12t + rnorm(12, 0.4, 0.6), 1)
x15z <- round(rnorm(15, 2, 1), 1); y15z <- x15z; y15z[c(2, 5, 9, 13, 14)] <- round(y15z[c(2, 5, 9, 13, 14)] + rnorm(5, 0, 1), 1)
y15z[c(1, 3, 4, 6, 7, 8, 10, 11, 12, 15)] <- round(x15z[c(1, 3, 4, 6, 7, 8, 10, 11, 12, 15)] + rnorm(10, 0.5, 0.8), 1)
y15z[c(4, 11)] <- x15z[c(4, 11)]
x60 <- round(rnorm(60), 8); y60 <- round(x60 + rnorm(60, 0.25), 8)
x200 <- round(runif(200, 0, 10)); y200 <- round(x200 + rnorm(200, 0.3, 2))
xmu <- round(runif(14, 0, 1), 1); ymu <- round(xmu - runif(14, -0.2, 0.6), 1)

wilcoxon <- c(
  wcase("exact-n10-two.sided", x10, y10),
  wcase("exact-n10-less", x10, y10, alternative = "less"),
  wcase("exact-n10-greater", x10, y10, alternative = "greater"),
  wcase("exact-n5-two.sided", x5, y5),
  wcase("exact-n5-greater", x5, y5, alternative = "greater"),
  wcase("exact-n4-capped-at-1", x4, y4),
  wcase("exact-n1", c(1.5), c(0.5)),
  wcase("exact-n8-all-positive", x8, y8),
  wcase("exact-n8-all-positive-less", x8, y8, alternative = "less"),
  wcase("exact-n20-two.sided", x20, y20),
  wcase("exact-n20-greater", x20, y20, alternative = "greater"),
  wcase("exact-n49-boundary", x49, y49),
  wcase("exact-n49-less", x49, y49, alternative = "less"),
  wcase("ties-n12-two.sided", x12t, y12t),
  wcase("ties-n12-less", x12t, y12t, alternative = "less"),
  wcase("ties-n12-greater", x12t, y12t, alternative = "greater"),
  wcase("ties-n12-no-correction", x12t, y12t, correct = FALSE),
  wcase("ties-n12-exact-requested", x12t, y12t, exact = TRUE),
  wcase("zeros-n15-two.sided", x15z, y15z),
  wcase("zeros-n15-less", x15z, y15z, alternative = "less"),
  wcase("zeros-n15-greater", x15z, y15z, alternative = "greater"),
  wcase("normal-n60-two.sided", x60, y60),
  wcase("normal-n60-less", x60, y60, alternative = "less"),
  wcase("normal-n60-greater", x60, y60, alternative = "greater"),
  wcase("normal-n60-exact-requested", x60, y60, exact = TRUE),
  wcase("normal-n10-exact-false", x10, y10, exact = FALSE),
  wcase("ties-n200-two.sided", x200, y200),
  wcase("ties-n200-greater", x200, y200, alternative = "greater"),
  wcase("mu-shift-exact-greater", x10, y10, mu = -0.01, alternative = "greater"),
  wcase("mu-shift-exact-less", x10, y10, mu = 0.05, alternative = "less"),
  wcase("mu-shift-creates-zeros", xmu, ymu, mu = 0.2),
  wcase("mu-shift-creates-zeros-greater", xmu, ymu, mu = -0.1, alternative = "greater"),
  wcase("mu-shift-n60-less", x60, y60, mu = 0.5, alternative = "less")
)

# ---- paired t ----
tcase <- function(id, x, y, mu = 0, alternative = "two.sided", level = 0.95) {
  r <- t.test(x, y, paired = TRUE, mu = mu, alternative = alternative, conf.level = level)
  obj(id = str(id), x = vec(x), y = vec(y), mu = num(mu), alternative = str(alternative), level = num(level),
      statistic = num(unname(r$statistic)), df = num(unname(r$parameter)), p = num(r$p.value),
      estimate = num(unname(r$estimate)), ciLow = num(r$conf.int[1]), ciHigh = num(r$conf.int[2]),
      tolerance = num(TOL_EXACT))
}
skewx <- round(rexp(25, 2), 6); skewy <- round(rexp(25, 2.5), 6)
pairedT <- c(
  tcase("n10-two.sided", x10, y10),
  tcase("n10-less", x10, y10, alternative = "less"),
  tcase("n10-greater", x10, y10, alternative = "greater"),
  tcase("n10-mu", x10, y10, mu = 0.03),
  tcase("n10-level90", x10, y10, level = 0.90),
  tcase("n2-minimum", c(1.1, 2.5), c(0.9, 1.7)),
  tcase("n60", x60, y60),
  tcase("n200-ties", x200, y200, alternative = "less"),
  tcase("skewed-n25", skewx, skewy),
  tcase("n20-mu-greater", x20, y20, mu = -0.1, alternative = "greater")
)

# ---- equivalence (TOST) and non-inferiority, composed from one-sided tests ----
tost_case <- function(id, x, y, lower, upper, test) {
  if (test == "t") {
    pl <- t.test(x, y, paired = TRUE, mu = lower, alternative = "greater")$p.value
    pu <- t.test(x, y, paired = TRUE, mu = upper, alternative = "less")$p.value
  } else {
    pl <- suppressWarnings(wilcox.test(x, y, paired = TRUE, mu = lower, alternative = "greater"))$p.value
    pu <- suppressWarnings(wilcox.test(x, y, paired = TRUE, mu = upper, alternative = "less"))$p.value
  }
  obj(id = str(id), x = vec(x), y = vec(y), lower = num(lower), upper = num(upper), test = str(test),
      pLower = num(pl), pUpper = num(pu), p = num(max(pl, pu)), tolerance = num(TOL_APPROX))
}
eqx <- round(rnorm(24, 0.5, 0.1), 6); eqy <- round(eqx + rnorm(24, 0.005, 0.03), 6)
tost <- c(
  tost_case("t-equivalent", eqx, eqy, -0.05, 0.05, "t"),
  tost_case("t-not-equivalent", x20, y20, -0.1, 0.1, "t"),
  tost_case("t-asymmetric", eqx, eqy, -0.02, 0.04, "t"),
  tost_case("wilcoxon-equivalent", eqx, eqy, -0.05, 0.05, "wilcoxon"),
  tost_case("wilcoxon-ties", x12t, y12t, -0.5, 0.5, "wilcoxon")
)
ni_case <- function(id, x, y, margin, higher, test) {
  mu <- if (higher) -margin else margin
  alt <- if (higher) "greater" else "less"
  p <- if (test == "t") t.test(x, y, paired = TRUE, mu = mu, alternative = alt)$p.value else
    suppressWarnings(wilcox.test(x, y, paired = TRUE, mu = mu, alternative = alt))$p.value
  obj(id = str(id), x = vec(x), y = vec(y), margin = num(margin), higherIsBetter = bool(higher), test = str(test),
      p = num(p), tolerance = num(TOL_APPROX))
}
nonInferiority <- c(
  ni_case("t-higher-better", eqx, eqy, 0.02, TRUE, "t"),
  ni_case("t-lower-better", eqx, eqy, 0.02, FALSE, "t"),
  ni_case("wilcoxon-higher-better", eqx, eqy, 0.02, TRUE, "wilcoxon"),
  ni_case("wilcoxon-lower-better-ties", x12t, y12t, 0.3, FALSE, "wilcoxon")
)

# ---- p.adjust ----
pcase <- function(id, p, method, n = length(p[!is.na(p)])) {
  obj(id = str(paste0(id, "-", method)), p = vec(p), method = str(method), n = num(n),
      adjusted = vec(p.adjust(p, method = method, n = n)), tolerance = num(TOL_EXACT))
}
pvectors <- list(
  "ladder" = c(0.01, 0.02, 0.03, 0.04, 0.05),
  "ties" = c(0.01, 0.01, 0.03, 0.03, 0.2, 0.5, 0.5, 1),
  "zeros-ones" = c(0, 1, 0.5, 0, 1e-10),
  "single" = c(0.03),
  "pair" = c(0.04, 0.02),
  "random20" = round(runif(20)^3, 8),
  "all-equal" = rep(0.02, 6),
  "with-NA" = c(0.01, NA, 0.04, 0.2)
)
padjust <- c()
for (name in names(pvectors)) for (m in c("holm", "hochberg", "BH", "BY", "bonferroni", "none")) {
  padjust <- c(padjust, pcase(name, pvectors[[name]], m))
}
for (m in c("holm", "BH", "bonferroni")) padjust <- c(padjust, pcase("n-larger", c(0.01, 0.02), m, n = 5))

# ---- Spearman ----
scase <- function(id, x, y, alternative = "two.sided", exact = NULL) {
  r <- suppressWarnings(cor.test(x, y, method = "spearman", alternative = alternative, exact = exact))
  n <- length(x)
  ties <- min(length(unique(x)), length(unique(y))) < n
  use_exact <- (is.null(exact) || exact) && !ties && n <= 1290
  pmethod <- if (use_exact && n <= 9) "exact permutation" else if (use_exact) "AS 89 Edgeworth series" else "t approximation"
  obj(id = str(id), x = vec(x), y = vec(y), alternative = str(alternative), exact = bool(exact),
      rho = num(unname(r$estimate)), statistic = num(unname(r$statistic)), p = num(r$p.value),
      pMethod = str(pmethod), tolerance = num(if (pmethod == "exact permutation") TOL_EXACT else TOL_APPROX))
}
sp5x <- c(2.1, 3.5, 1.2, 4.8, 3.9); sp5y <- c(1.0, 2.9, 1.5, 3.3, 4.1)
sp7x <- round(rnorm(7), 5); sp7y <- round(sp7x + rnorm(7), 5)
sp9x <- round(rnorm(9), 5); sp9y <- round(-0.5 * sp9x + rnorm(9), 5)
sp10x <- round(rnorm(10), 5); sp10y <- round(sp10x + rnorm(10), 5)
sp20x <- round(rnorm(20), 6); sp20y <- round(0.4 * sp20x + rnorm(20), 6)
sp50x <- round(rnorm(50), 6); sp50y <- round(0.1 * sp50x + rnorm(50), 6)
sp8tx <- c(1, 2, 2, 3, 4, 4, 4, 5); sp8ty <- c(2.0, 1.5, 3.1, 3.1, 2.2, 5.0, 4.4, 4.9)
sp30tx <- round(runif(30, 0, 5)); sp30ty <- round(sp30tx + rnorm(30, 0, 2))
sp1300x <- rnorm(1300); sp1300y <- 0.05 * sp1300x + rnorm(1300)
sp1300x <- round(sp1300x, 9); sp1300y <- round(sp1300y, 9)
spearman <- c(
  scase("exact-n5-two.sided", sp5x, sp5y),
  scase("exact-n5-greater", sp5x, sp5y, alternative = "greater"),
  scase("exact-n5-less", sp5x, sp5y, alternative = "less"),
  scase("exact-n3", c(1, 2, 3), c(3, 1, 2)),
  scase("exact-n4-perfect", c(1, 2, 3, 4), c(10, 20, 30, 40)),
  scase("exact-n6-perfect-negative", 1:6, c(6, 5, 4, 3, 2, 1) * 1.5),
  scase("exact-n7-two.sided", sp7x, sp7y),
  scase("exact-n7-less", sp7x, sp7y, alternative = "less"),
  scase("exact-n9-two.sided", sp9x, sp9y),
  scase("exact-n9-less", sp9x, sp9y, alternative = "less"),
  scase("exact-n9-greater", sp9x, sp9y, alternative = "greater"),
  scase("edgeworth-n10", sp10x, sp10y),
  scase("edgeworth-n10-greater", sp10x, sp10y, alternative = "greater"),
  scase("edgeworth-n20", sp20x, sp20y),
  scase("edgeworth-n20-less", sp20x, sp20y, alternative = "less"),
  scase("edgeworth-n50", sp50x, sp50y),
  scase("t-approx-n20-exact-false", sp20x, sp20y, exact = FALSE),
  scase("ties-n8", sp8tx, sp8ty),
  scase("ties-n8-greater", sp8tx, sp8ty, alternative = "greater"),
  scase("ties-n30", sp30tx, sp30ty),
  scase("large-n1300", sp1300x, sp1300y)
)

# ---- simple linear regression ----
lcase <- function(id, x, y) {
  fit <- lm(y ~ x)
  s <- summary(fit)
  co <- s$coefficients
  ci <- confint(fit, level = 0.95)
  obj(id = str(id), x = vec(x), y = vec(y),
      intercept = num(co[1, 1]), slope = num(co[2, 1]), seIntercept = num(co[1, 2]), seSlope = num(co[2, 2]),
      tIntercept = num(co[1, 3]), tSlope = num(co[2, 3]), pIntercept = num(co[1, 4]), pSlope = num(co[2, 4]),
      ciInterceptLow = num(ci[1, 1]), ciInterceptHigh = num(ci[1, 2]), ciSlopeLow = num(ci[2, 1]), ciSlopeHigh = num(ci[2, 2]),
      sigma = num(s$sigma), rSquared = num(s$r.squared), tolerance = num(TOL_EXACT))
}
dw <- rep(c(0, 0.25, 0.5, 0.75, 1), each = 6)
dy <- round(0.1 + 0.4 * dw + rnorm(30, 0, 0.05), 6)
dw3 <- rep(c(0, 0.65, 1), times = 8)
dy3 <- round(0.8 - 0.3 * dw3 + rnorm(24, 0, 0.1), 6)
gx <- round(runif(15, -3, 7), 5); gy <- round(2 - 0.7 * gx + rnorm(15, 0, 2), 5)
lm_cases <- c(
  lcase("dose-5-levels", dw, dy),
  lcase("dose-3-levels-negative", dw3, dy3),
  lcase("generic-n15", gx, gy),
  lcase("minimal-n3", c(1, 2, 4), c(1.5, 1.9, 4.2))
)

# ---- distribution functions ----
pn_x <- c(-38, -20, -10, -5, -3, -2.5, -1.96, -1, -0.3, 0, 0.5, 1, 1.5, 1.64, 2, 3.2, 5, 8.5)
pnorm_cases <- vapply(pn_x, function(x) obj(x = num(x), lower = num(pnorm(x)), upper = num(pnorm(x, lower.tail = FALSE))), "")
qn_p <- c(1e-300, 1e-100, 1e-20, 1e-10, 1e-6, 0.001, 0.01, 0.025, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.975, 0.99, 0.999)
qnorm_cases <- vapply(qn_p, function(p) obj(p = num(p), lower = num(qnorm(p)), upper = num(qnorm(p, lower.tail = FALSE))), "")
t_df <- c(1, 2, 3, 4.5, 7, 15, 23, 59, 199, 1000, 1e5)
t_x <- c(-1e6, -40, -6, -2.3, -1, -0.2, 0, 0.7, 1.5, 2.06, 3.5, 12, 250)
pt_cases <- c()
for (df in t_df) for (x in t_x) pt_cases <- c(pt_cases, obj(x = num(x), df = num(df), lower = num(pt(x, df)), upper = num(pt(x, df, lower.tail = FALSE))))
t_p <- c(1e-12, 1e-6, 0.001, 0.025, 0.05, 0.2, 0.5, 0.8, 0.95, 0.975, 0.999)
qt_cases <- c()
for (df in t_df) for (p in t_p) qt_cases <- c(qt_cases, obj(p = num(p), df = num(df), lower = num(qt(p, df)), upper = num(qt(p, df, lower.tail = FALSE))))
psr_cases <- c()
for (n in c(1, 2, 5, 10, 20, 30, 49)) {
  m <- n * (n + 1) / 2
  for (q in unique(round(c(0, 1, m / 4, m / 3, m / 2, m - 3, m)))) {
    psr_cases <- c(psr_cases, obj(q = num(q), n = num(n), lower = num(psignrank(q, n)), upper = num(psignrank(q, n, lower.tail = FALSE))))
  }
}

# ---- power of the paired t test (noncentral t), for the simulation test ----
power <- obj(n = num(16), dz = num(0.8), alpha = num(0.05),
             power = num(power.t.test(n = 16, delta = 0.8, sd = 1, sig.level = 0.05, type = "paired")$power),
             powerStrict = num(power.t.test(n = 16, delta = 0.8, sd = 1, sig.level = 0.05, type = "paired", strict = TRUE)$power))

# ---- embeddings: Vendi score and Fréchet distance ----
vendi_r <- function(X) {
  Xn <- X / sqrt(rowSums(X^2))
  ev <- eigen(Xn %*% t(Xn) / nrow(X), symmetric = TRUE, only.values = TRUE)$values
  ev <- ev[ev > 1e-15]
  exp(-sum(ev * log(ev)))
}
# Trace of sqrt(S1 S2) by another route than the TypeScript covariance path: the sum of the singular
# values of Ac Bc' (centred data) over sqrt((n1 - 1)(n2 - 1)), from R's LAPACK SVD.
frechet_r <- function(A, B) {
  Ac <- sweep(A, 2, colMeans(A)); Bc <- sweep(B, 2, colMeans(B))
  n1 <- nrow(A); n2 <- nrow(B)
  trace_sqrt <- sum(svd(Ac %*% t(Bc), nu = 0, nv = 0)$d) / sqrt((n1 - 1) * (n2 - 1))
  sum((colMeans(A) - colMeans(B))^2) + sum(Ac^2) / (n1 - 1) + sum(Bc^2) / (n2 - 1) - 2 * trace_sqrt
}
emb <- function(n, d, shift = 0, scale = 1) round(matrix(rnorm(n * d, shift, scale), n, d), 6)
vA <- emb(12, 5); vB <- emb(40, 8); vC <- emb(6, 30)
vD <- rbind(vA[1:3, ], vA[1:3, ] * 2, vA[1:3, ] + 1e-3)
vendi <- c(
  obj(id = str("n12-d5"), rows = mat(vA), value = num(vendi_r(vA)), tolerance = num(TOL_EXACT)),
  obj(id = str("n40-d8"), rows = mat(vB), value = num(vendi_r(vB)), tolerance = num(TOL_EXACT)),
  obj(id = str("n6-d30"), rows = mat(vC), value = num(vendi_r(vC)), tolerance = num(TOL_EXACT)),
  obj(id = str("near-duplicates"), rows = mat(vD), value = num(vendi_r(vD)), tolerance = num(TOL_EXACT))
)
fA <- emb(30, 4); fB <- emb(25, 4, shift = 0.5, scale = 1.5)
fC <- emb(50, 10); fD <- emb(60, 10, shift = 0.1)
fE <- emb(15, 40); fF <- emb(18, 40, shift = 0.2, scale = 0.8)
frechet <- c(
  obj(id = str("fewer-rows-than-dims"), a = mat(fE), b = mat(fF), value = num(frechet_r(fE, fF)), tolerance = num(TOL_EXACT)),
  obj(id = str("d4"), a = mat(fA), b = mat(fB), value = num(frechet_r(fA, fB)), tolerance = num(TOL_EXACT)),
  obj(id = str("d10"), a = mat(fC), b = mat(fD), value = num(frechet_r(fC, fD)), tolerance = num(TOL_EXACT))
)

# ---- prompt-level paired tests: the mean over seeds of (a - b) per prompt, then the test across the K prompts ----
set.seed(20261129)  # its own stream, so that the cases above keep their data
strs <- function(v) paste0("[", paste(vapply(as.character(v), str, ""), collapse = ", "), "]")
prompt_means <- function(prompts, v) as.numeric(tapply(v, factor(prompts, levels = unique(prompts)), mean))
prompt_case <- function(id, prompts, seeds, a, b, test) {
  pa <- prompt_means(prompts, a); pb <- prompt_means(prompts, b)
  if (test == "t") {
    r <- t.test(pa, pb, paired = TRUE); ci <- r$conf.int
  } else {
    r <- suppressWarnings(wilcox.test(pa, pb, paired = TRUE)); ci <- c(NA, NA)
  }
  obj(id = str(id), prompts = strs(prompts), seeds = vec(seeds), a = vec(a), b = vec(b), test = str(test),
      differences = vec(pa - pb), statistic = num(unname(r$statistic)), p = num(r$p.value),
      estimate = num(mean(pa - pb)), ciLow = num(ci[1]), ciHigh = num(ci[2]), tolerance = num(TOL_EXACT))
}
# K prompts x S seeds: a prompt effect shared by both sides, a side x prompt interaction (sd ia) and seed noise.
prompt_data <- function(K, S, effect, ia, noise = 0.04) {
  prompts <- rep(sprintf("p%02d", 1:K), each = S); seeds <- rep(1:S, times = K)
  pe <- rep(rnorm(K, 0, 0.1), each = S)
  a <- round(0.5 + effect + pe + rep(rnorm(K, 0, ia), each = S) + rnorm(K * S, 0, noise), 7)
  b <- round(0.5 + pe + rep(rnorm(K, 0, ia), each = S) + rnorm(K * S, 0, noise), 7)
  list(prompts = prompts, seeds = seeds, a = a, b = b)
}
pd12 <- prompt_data(12, 3, 0.05, 0.02)
pd6 <- prompt_data(6, 2, 0, 0.04)
pd8 <- prompt_data(8, 3, -0.03, 0.02)
keep <- !(pd8$prompts == "p03" & pd8$seeds > 1) & !(pd8$prompts == "p05" & pd8$seeds == 2)
pd8u <- lapply(pd8, function(v) v[keep])
promptLevel <- c(
  prompt_case("t-k12-s3-effect", pd12$prompts, pd12$seeds, pd12$a, pd12$b, "t"),
  prompt_case("wilcoxon-k12-s3-effect", pd12$prompts, pd12$seeds, pd12$a, pd12$b, "wilcoxon"),
  prompt_case("t-k6-s2-null-interaction", pd6$prompts, pd6$seeds, pd6$a, pd6$b, "t"),
  prompt_case("wilcoxon-k6-s2-null-interaction", pd6$prompts, pd6$seeds, pd6$a, pd6$b, "wilcoxon"),
  prompt_case("t-k8-unbalanced-seeds", pd8u$prompts, pd8u$seeds, pd8u$a, pd8u$b, "t"),
  prompt_case("wilcoxon-k8-unbalanced-seeds", pd8u$prompts, pd8u$seeds, pd8u$a, pd8u$b, "wilcoxon")
)
# A hypothesis across three targets: one prompt-level test per target, Holm within the hypothesis.
family_case <- function(id, test, effects) {
  sets <- lapply(effects, function(e) prompt_data(10, 2, e, 0.03))
  p <- vapply(sets, function(d) {
    pa <- prompt_means(d$prompts, d$a); pb <- prompt_means(d$prompts, d$b)
    if (test == "t") t.test(pa, pb, paired = TRUE)$p.value else suppressWarnings(wilcox.test(pa, pb, paired = TRUE))$p.value
  }, 0)
  items <- vapply(sets, function(d) obj(prompts = strs(d$prompts), seeds = vec(d$seeds), a = vec(d$a), b = vec(d$b)), "")
  obj(id = str(id), test = str(test), sets = paste0("[", paste(items, collapse = ", "), "]"), p = vec(p),
      holm = vec(p.adjust(p, "holm")), tolerance = num(TOL_EXACT))
}
promptFamily <- c(
  family_case("t-three-targets", "t", c(0.04, 0.02, 0)),
  family_case("wilcoxon-three-targets", "wilcoxon", c(0.05, 0.03, 0.01))
)

# ---- power.t.test(type = "paired") and the noncentral t it rests on ----
pw_case <- function(d, power = NULL, n = NULL, alt = "two.sided") {
  r <- power.t.test(n = n, delta = d, sd = 1, sig.level = 0.05, power = power, type = "paired", alternative = alt)
  obj(d = num(d), alternative = str(alt), targetPower = num(if (is.null(power)) NA else power),
      n = num(r$n), power = num(r$power))
}
powerTTest <- c()
for (d in c(0.3, 0.5, 0.8, 1.2, 2)) for (alt in c("two.sided", "one.sided")) powerTTest <- c(powerTTest, pw_case(d, power = 0.8, alt = alt))
for (d in c(0.5, 1)) powerTTest <- c(powerTTest, pw_case(d, power = 0.9))
for (n in c(3, 6, 12, 24)) for (d in c(0.5, 0.8)) powerTTest <- c(powerTTest, pw_case(d, n = n))
pnt_cases <- c()
for (df in c(1, 2, 5, 11, 23, 60)) for (ncp in c(-2, 0.5, 1.7, 4, 9)) for (q in c(-3, -0.5, 0.3, 1.9, 4.2, 12)) {
  pnt_cases <- c(pnt_cases, obj(q = num(q), df = num(df), ncp = num(ncp), lower = num(pt(q, df, ncp)), upper = num(pt(q, df, ncp, lower.tail = FALSE))))
}

json <- paste0(
  "{\n",
  '  "generatedBy": ', str(paste("Rscript test/reference/stats.R;", R.version.string)), ",\n",
  '  "wilcoxon": ', arr(wilcoxon), ",\n",
  '  "pairedT": ', arr(pairedT), ",\n",
  '  "tost": ', arr(tost), ",\n",
  '  "nonInferiority": ', arr(nonInferiority), ",\n",
  '  "pAdjust": ', arr(padjust), ",\n",
  '  "spearman": ', arr(spearman), ",\n",
  '  "lm": ', arr(lm_cases), ",\n",
  '  "pnorm": ', arr(pnorm_cases), ",\n",
  '  "qnorm": ', arr(qnorm_cases), ",\n",
  '  "pt": ', arr(pt_cases), ",\n",
  '  "qt": ', arr(qt_cases), ",\n",
  '  "psignrank": ', arr(psr_cases), ",\n",
  '  "power": ', power, ",\n",
  '  "promptLevel": ', arr(promptLevel), ",\n",
  '  "promptFamily": ', arr(promptFamily), ",\n",
  '  "powerTTest": ', arr(powerTTest), ",\n",
  '  "pnt": ', arr(pnt_cases), ",\n",
  '  "vendi": ', arr(vendi), ",\n",
  '  "frechet": ', arr(frechet), ",\n",
  '  "tolerances": ', obj(exact = num(TOL_EXACT), approximation = num(TOL_APPROX), distribution = num(TOL_DIST)), "\n",
  "}\n"
)
writeLines(json, out_file, sep = "")
cat("wrote", out_file, "\n")
