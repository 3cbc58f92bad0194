;;! id = "result.diagnostics-exact"
;;! guarantee = "RES-03"
;;! since = "0.1.0"
;;! summary = "writes two diagnostics, then a result"
;;! capabilities = ["diagnostics"]
;;! [expect]
;;! output = { summary = "diagnostics written" }
;;! diagnostics = "first line\nsecond\tline ünïcode"
;;! min_host_calls = { diagnostic_write = 2 }
;; The operator sink receives both writes concatenated, byte for byte (newline, tab and UTF-8
;; included); the tool result carries none of it.
(module
  (import "yoi:tool" "diagnostic_write" (func $diagnostic_write (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write"     (func $output_write     (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "first line\0a")
  (data (i32.const 64) "second\09line ünïcode")
  (data (i32.const 128) "{\"summary\":\"diagnostics written\"}")
  (func (export "yoi_tool_call")
    (drop (call $diagnostic_write (i32.const 0) (i32.const 11)))
    (drop (call $diagnostic_write (i32.const 64) (i32.const 21)))
    (drop (call $output_write (i32.const 128) (i32.const 33)))))
