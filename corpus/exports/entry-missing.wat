;;! id = "exports.entry-missing"
;;! guarantee = "EXP-02"
;;! since = "0.1.0"
;;! summary = "no yoi_tool_call export; _start and run are exported instead"
;;! [expect]
;;! code = "export_missing"
;;! details = { export = "yoi_tool_call" }
;; Entry points other toolchains use. A runtime that falls back to _start or to "the only exported
;; function" runs guest code the ABI never named.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"ran without a proper export\"}")
  (func $body
    (drop (call $output_write (i32.const 0) (i32.const 41))))
  (export "_start" (func $body))
  (export "run" (func $body)))
