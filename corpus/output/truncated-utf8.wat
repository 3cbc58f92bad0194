;;! id = "output.truncated-utf8"
;;! guarantee = "OUT-04"
;;! since = "0.1.0"
;;! summary = "the summary contains E2 82, the first two bytes of a three-byte character"
;;! [expect]
;;! code = "output_malformed"
;;! min_host_calls = { output_write = 1 }
;; A multi-byte sequence cut short (the euro sign E2 82 AC without its last byte).
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; A result with a truncated euro sign (22 bytes)
  (data (i32.const 0) "{\"summary\":\"price \e2\82\"}")
  (func (export "yoi_tool_call")
    ;; One write of the whole buffer. It is in bounds and under the cap, so it succeeds and
    ;; the output contract alone decides the outcome.
    (drop (call $output_write (i32.const 0) (i32.const 22)))))
