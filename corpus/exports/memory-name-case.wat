;;! id = "exports.memory-name-case"
;;! guarantee = "EXP-01"
;;! since = "0.1.0"
;;! summary = "exports its memory as \"Memory\" (capital M) and nothing as \"memory\""
;;! [expect]
;;! code = "export_missing"
;;! details = { export = "memory" }
;; Export names compare byte for byte. A runtime that looks exports up case-insensitively finds
;; "Memory" and runs the guest.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "Memory") 1)
  (data (i32.const 0) "{\"summary\":\"found Memory\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 26)))))
