;;! id = "exports.memory-not-exported"
;;! guarantee = "EXP-01"
;;! since = "0.1.0"
;;! summary = "the module has a memory but exports it under no name"
;;! [expect]
;;! code = "export_missing"
;;! details = { export = "memory" }
;; The host imports read and write guest memory through the "memory" export. Without it,
;; output_write has nowhere to read from; the module must be refused up front rather than fail
;; confusingly inside the first import.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  ;; A memory nobody can see from outside.
  (memory 1)
  (data (i32.const 0) "{\"summary\":\"ran without a proper export\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 41)))))
