;;! id = "exports.memory-as-function"
;;! guarantee = "EXP-01"
;;! since = "0.1.0"
;;! summary = "\"memory\" is a function; the real memory is exported as \"mem\""
;;! [expect]
;;! code = "export_invalid"
;;! details = { export = "memory" }
;; The export exists under the right name with the wrong kind: export_invalid. A runtime that looks
;; up "any memory export" would find "mem" and run.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "mem") 1)
  ;; The name the ABI reserves for the memory, on a function.
  (func (export "memory"))
  (data (i32.const 0) "{\"summary\":\"ran without a proper export\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 41)))))
