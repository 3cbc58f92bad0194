;;! id = "output.valid-then-invalid"
;;! guarantee = "OUT-03"
;;! since = "0.1.0"
;;! summary = "writes a valid result, then invalid text"
;;! [expect]
;;! code = "output_malformed"
;;! min_host_calls = { output_write = 2 }
;; The last write is not JSON, so the call fails with output_malformed; a runtime that keeps the
;; last valid write (or the first) returns a success.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"valid, but not last\"}")
  (data (i32.const 64) "not json at all")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 33)))
    (drop (call $output_write (i32.const 64) (i32.const 15)))))
