;;! id = "exports.both-missing"
;;! guarantee = "EXP-01"
;;! since = "0.1.0"
;;! summary = "exports neither memory nor yoi_tool_call: memory is named, it is checked first"
;;! [expect]
;;! code = "export_missing"
;;! details = { export = "memory" }
;; Both required exports are missing; SPEC section 5 checks memory first, so details.export is
;; "memory". A runtime that looks up the entry point first names yoi_tool_call.
(module
  (memory 1)
  (func (export "run")))
