;;! id = "exports.entry-with-result"
;;! guarantee = "EXP-02"
;;! since = "0.1.0"
;;! summary = "yoi_tool_call returns an i32 status"
;;! [expect]
;;! code = "export_invalid"
;;! details = { export = "yoi_tool_call" }
;; Extism-style entries return a status; ABI v1 entries return nothing. A runtime that ignores
;; results would run it.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"ran without a proper export\"}")
  (func (export "yoi_tool_call") (result i32)
    (call $output_write (i32.const 0) (i32.const 41))))
