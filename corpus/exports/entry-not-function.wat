;;! id = "exports.entry-not-function"
;;! guarantee = "EXP-02"
;;! since = "0.1.0"
;;! summary = "yoi_tool_call names a global"
;;! [expect]
;;! code = "export_invalid"
;;! details = { export = "yoi_tool_call" }
;; The name is present with the wrong kind: export_invalid, not export_missing.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global (export "yoi_tool_call") i32 (i32.const 0))
  (data (i32.const 0) "{\"summary\":\"ran without a proper export\"}")
  (func (export "run")
    (drop (call $output_write (i32.const 0) (i32.const 41)))))
