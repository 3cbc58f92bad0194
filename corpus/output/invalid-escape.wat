;;! id = "output.invalid-escape"
;;! guarantee = "OUT-05"
;;! since = "0.1.0"
;;! summary = "the summary contains the escape \\x41"
;;! [expect]
;;! code = "output_malformed"
;;! min_host_calls = { output_write = 1 }
;; JSON has no \x escapes.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; A result with an invalid escape (18 bytes)
  (data (i32.const 0) "{\"summary\":\"\\x41\"}")
  (func (export "yoi_tool_call")
    ;; One write of the whole buffer. It is in bounds and under the cap, so it succeeds and
    ;; the output contract alone decides the outcome.
    (drop (call $output_write (i32.const 0) (i32.const 18)))))
