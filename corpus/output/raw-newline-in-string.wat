;;! id = "output.raw-newline-in-string"
;;! guarantee = "OUT-05"
;;! since = "0.1.0"
;;! summary = "the summary contains a raw line feed byte"
;;! [expect]
;;! code = "output_malformed"
;;! min_host_calls = { output_write = 1 }
;; Control characters inside JSON strings must be escaped; a raw one is a syntax error.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; A result whose summary holds a raw 0x0A (31 bytes)
  (data (i32.const 0) "{\"summary\":\"line one\0aline two\"}")
  (func (export "yoi_tool_call")
    ;; One write of the whole buffer. It is in bounds and under the cap, so it succeeds and
    ;; the output contract alone decides the outcome.
    (drop (call $output_write (i32.const 0) (i32.const 31)))))
