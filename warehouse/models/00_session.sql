-- Session settings for the model build (models.ts applies them around a run and resets them after;
-- a script that runs the files in order gets them from this first file).
-- Model tables are sets: no model or report relies on row order unless its SQL says ORDER BY
-- (which DuckDB still honours), so rows may be written in any order — a parallel write.
SET preserve_insertion_order = false;
-- Plain FSST string compression costs more to analyse and write than the facts' short,
-- low-cardinality text columns gain from it over dictionary compression (copying
-- fct_invoice_line at scale 0.3, one thread: 1.13 -> 0.69 CPU-s). In the storage format the
-- loader writes (loader.ts, STORAGE_VERSION) strings get dict_fsst, a dictionary whose entries
-- are FSST-packed: at scale 1, one thread, the models took 7.3 CPU-s with it vs 7.4 CPU-s with
-- strings left uncompressed, and the file was half the size. A file in the older format (no
-- dict_fsst) falls back to plain dictionary compression.
SET disabled_compression_methods = 'fsst';
