;;! id = "authority.denied-import-and-missing-exports"
;;! guarantee = "AUTH-01"
;;! since = "0.1.0"
;;! summary = "imports env.abort and exports neither memory nor yoi_tool_call"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["env::abort"] }
;; Imports are checked before exports (SPEC section 5): a module wrong in both ways is import_denied.
;; A runtime that checks exports first answers export_missing and never says which authority the
;; module asked for.
(module
  (import "env" "abort" (func (param i32 i32 i32 i32)))
  (memory 1)
  (func (export "run")))
