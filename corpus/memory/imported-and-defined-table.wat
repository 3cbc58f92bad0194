;;! id = "memory.imported-and-defined-table"
;;! guarantee = "MEM-03"
;;! since = "0.1.0"
;;! summary = "imports a table and defines another: two tables, refused as table_limit before imports are linked"
;;! [expect]
;;! code = "table_limit"
;; An imported table counts toward the one-table limit like a defined one. The table count is
;; checked with the module's other limits, before its imports (docs/SPEC.md section 3), so this
;; module is table_limit even though its import alone would be import_denied: a runtime that
;; forgets imported tables reports import_denied here.
(module
  (import "env" "table" (table 1 funcref))
  (table 1 funcref)
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")))
