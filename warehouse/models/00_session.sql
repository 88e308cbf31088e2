-- Session settings for the model build (models.ts applies them around a run and resets them after;
-- a script that runs the files in order gets them from this first file).
-- Model tables are sets: no model or report relies on row order unless its SQL says ORDER BY
-- (which DuckDB still honours), so rows may be written in any order — a parallel write.
SET preserve_insertion_order = false;
-- FSST string compression costs more to analyse and write than the facts' short, low-cardinality
-- text columns gain from it over dictionary compression (copying fct_invoice_line at scale 0.3,
-- one thread: 1.13 -> 0.69 CPU-s).
SET disabled_compression_methods = 'fsst,dict_fsst';
