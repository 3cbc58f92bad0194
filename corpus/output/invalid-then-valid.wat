;;! id = "output.invalid-then-valid"
;;! guarantee = "OUT-03"
;;! since = "0.1.0"
;;! summary = "writes invalid text, then a valid result"
;;! [expect]
;;! output = { summary = "the valid one came last" }
;;! min_host_calls = { output_write = 2 }
;; Only the last write is the output, so the contract is checked on it alone: success.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "not json at all")
  (data (i32.const 64) "{\"summary\":\"the valid one came last\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 15)))
    (drop (call $output_write (i32.const 64) (i32.const 37)))))
