;;! id = "output.top-level-string"
;;! guarantee = "OUT-06"
;;! since = "0.1.0"
;;! summary = "the JSON string \"summary\""
;;! [expect]
;;! code = "output_schema_mismatch"
;;! min_host_calls = { output_write = 1 }
;; The top level must be an object.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result (9 bytes)
  (data (i32.const 0) "\"summary\"")
  (func (export "yoi_tool_call")
    ;; One write of the whole buffer. It is in bounds and under the cap, so it succeeds and
    ;; the output contract alone decides the outcome.
    (drop (call $output_write (i32.const 0) (i32.const 9)))))
