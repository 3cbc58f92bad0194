;;! id = "exports.entry-with-params"
;;! guarantee = "EXP-02"
;;! since = "0.1.0"
;;! summary = "yoi_tool_call takes an i32"
;;! [expect]
;;! code = "export_invalid"
;;! details = { export = "yoi_tool_call" }
;; A runtime that calls the export with default arguments (or without checking its type) would run
;; it. The entry type is [] -> [].
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"ran without a proper export\"}")
  (func (export "yoi_tool_call") (param $unused i32)
    (drop (call $output_write (i32.const 0) (i32.const 41)))))
