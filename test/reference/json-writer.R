# JSON writing for the reference scripts (R's base has none): numbers with every digit, strings, objects, arrays.
num <- function(v) if (is.na(v)) "null" else sprintf("%.17g", v)
str <- function(s) paste0('"', s, '"')
obj <- function(...) {
  fields <- list(...)
  paste0("{", paste(sprintf('"%s": %s', names(fields), unlist(fields)), collapse = ", "), "}")
}
arr <- function(items) paste0("[", paste(items, collapse = ",\n"), "]")
