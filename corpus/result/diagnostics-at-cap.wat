;;! id = "result.diagnostics-at-cap"
;;! guarantee = "RES-04"
;;! since = "0.1.0"
;;! summary = "diagnostic_bytes = 64 and exactly 64 bytes in two writes"
;;! capabilities = ["diagnostics"]
;;! [limits]
;;! diagnostic_bytes = 64
;;! [expect]
;;! output = { summary = "diagnostics written" }
;;! diagnostics = "thirty-two bytes of diagnostics.thirty-two bytes of diagnostics."
;; Exactly at the cap nothing is dropped, so there is no truncation marker.
(module
  (import "yoi:tool" "diagnostic_write" (func $diagnostic_write (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write"     (func $output_write     (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "thirty-two bytes of diagnostics.")
  (data (i32.const 64) "{\"summary\":\"diagnostics written\"}")
  (func (export "yoi_tool_call")
    (drop (call $diagnostic_write (i32.const 0) (i32.const 32)))
    (drop (call $diagnostic_write (i32.const 0) (i32.const 32)))
    (drop (call $output_write (i32.const 64) (i32.const 33)))))
