;;! id = "output.two-json-values"
;;! guarantee = "OUT-05"
;;! since = "0.1.0"
;;! summary = "two valid results back to back"
;;! [expect]
;;! code = "output_malformed"
;;! min_host_calls = { output_write = 1 }
;; A streaming parser reads the first object and stops; one JSON text means nothing may follow.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; Two JSON objects (48 bytes)
  (data (i32.const 0) "{\"summary\":\"harmless\"}{\"summary\":\"second value\"}")
  (func (export "yoi_tool_call")
    ;; One write of the whole buffer. It is in bounds and under the cap, so it succeeds and
    ;; the output contract alone decides the outcome.
    (drop (call $output_write (i32.const 0) (i32.const 48)))))
